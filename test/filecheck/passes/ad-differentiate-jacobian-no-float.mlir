// RUN: not zyg-opt %s -p ad-differentiate 2>&1 | filecheck %s

// The Jacobian of a function without a float result has no rows to build: an error naming it.

// CHECK: ZygTypeError: error: the differentiated function returns no float (a Jacobian differentiates the float results of a function)
func.func @f(%x: f64) -> i64 {
  %i = arith.fptosi %x : f64 to i64
  func.return %i : i64
}

func.func @jacobian_of_an_int(%x: f64) -> tensor<?x?xf64> {
  %j = ad.jacobian @f(%x) : (f64) -> tensor<?x?xf64>
  func.return %j : tensor<?x?xf64>
}
