// RUN: not zyg-opt %s -p ad-differentiate 2>&1 | filecheck %s

// An active op without a pullback rule is an error naming the op. (The pass raises a ZygError, not
// an xDSL diagnostic, so zyg-opt exits non-zero and --verify-diagnostics cannot collect it.)

// CHECK: NoDerivativeError: error: no derivative rule for 'math.round'
func.func @f(%x: f64) -> f64 {
  %e = math.round %x : f64
  func.return %e : f64
}

func.func @no_rule(%x: f64) -> f64 {
  %dx = ad.grad @f(%x) : (f64) -> f64
  func.return %dx : f64
}
