// RUN: not zyg-opt %s -p ad-jvp 2>&1 | filecheck %s

// A varied op without a tangent rule is an error naming the op. (The pass raises a ZygError, not an
// xDSL diagnostic, so zyg-opt exits non-zero.)

// CHECK: NoDerivativeError: error: no tangent rule for 'math.round' (forward mode)
func.func @f(%x: f64) -> f64 {
  %e = math.round %x : f64
  func.return %e : f64
}

func.func @no_rule(%x: f64, %dx: f64) -> f64 {
  %y, %dy = ad.jvp @f(%x) tangent(%dx) : (f64), (f64) -> (f64), f64
  func.return %dy : f64
}
