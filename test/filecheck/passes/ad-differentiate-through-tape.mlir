// RUN: not zyg-opt %s -p ad-differentiate 2>&1 | filecheck %s

// Reverse mode over code that holds the answer of another request: @f is `g'(x) * x` with the
// gradient of @g (a loop) already expanded, so `g'` depends on x through the values pushed in the
// forward loop and popped in the reverse one. Activity follows values through tapes, so the outer
// gradient sees that dependence and refuses it (it would otherwise drop it: 24 instead of 36 at
// x = 2, n = 2); zyg answers requests outermost first, so its own pipelines never build this.

// CHECK: NoDerivativeError: error: reverse mode through values saved on a tape ('ad.pop' reads one that holds values the gradient depends on)
func.func private @g(%x: f64, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (f64) {
    %m = arith.mulf %acc, %x : f64
    scf.yield %m : f64
  }
  func.return %r : f64
}
func.func @f(%x: f64, %n: index) -> f64 {
  %0 = ad.tape_new : !ad.tape
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (f64) {
    %m = arith.mulf %acc, %x : f64
    ad.push %0, %acc : f64
    scf.yield %m : f64
  }
  %1 = arith.constant 0 : index
  %2 = arith.subi %n, %c0 : index
  %3 = arith.ceildivsi %2, %c1 : index
  %4 = arith.maxsi %3, %1 : index
  %5 = arith.constant 1.000000e+00 : f64
  %6 = ad.zero : f64
  %7 = arith.constant 0 : index
  %8 = arith.constant 1 : index
  %9, %10 = scf.for %11 = %7 to %4 step %8 iter_args(%12 = %5, %13 = %6) -> (f64, f64) {
    %14 = ad.pop %0 : f64
    %15 = ad.mul %12, %x : f64
    %16 = ad.mul %12, %14 : f64
    %17 = ad.add %13, %16 : f64
    scf.yield %15, %17 : f64, f64
  }
  %d = ad.add %9, %10 : f64
  ad.tape_free %0 : !ad.tape
  %y = arith.mulf %d, %x : f64
  func.return %y : f64
}
func.func @outer(%x: f64, %n: index) -> f64 {
  %dx = ad.grad @f(%x, %n) {wrt = array<i64: 0>} : (f64, index) -> f64
  func.return %dx : f64
}
