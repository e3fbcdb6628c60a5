// RUN: zyg-opt %s -p expand-elementwise-math --split-input-file | filecheck %s

// math.exp in a linalg.generic body -> clamp, k = round(x / ln2) through the 1.5 * 2^52 shifter,
// a polynomial in r, and 2^k built in the exponent bits in two factors.
// CHECK-LABEL: func.func @exp_in_loop(
// CHECK:         linalg.generic
// CHECK-NEXT:    ^bb0(%[[X:.*]]: f64, %{{.*}}: f64):
// CHECK-NOT:       math.exp
// CHECK:           %[[HIGH:.*]] = arith.cmpf ogt, %[[X]], %{{.*}} : f64
// CHECK:           %[[SHIFTED:.*]] = arith.addf %{{.*}}, %{{.*}} fastmath<contract> : f64
// CHECK:           %[[BITS:.*]] = arith.bitcast %[[SHIFTED]] : f64 to i64
// CHECK:           %[[K:.*]] = arith.subi %[[BITS]], %{{.*}} : i64
// CHECK:           %[[HALF:.*]] = arith.shrsi %[[K]], %{{.*}} : i64
// CHECK:           %[[FIRST:.*]] = arith.bitcast %{{.*}} : i64 to f64
// CHECK:           %[[SECOND:.*]] = arith.bitcast %{{.*}} : i64 to f64
// CHECK:           %[[SCALED:.*]] = arith.mulf %{{.*}}, %[[FIRST]] fastmath<contract> : f64
// CHECK:           %[[RESULT:.*]] = arith.mulf %[[SCALED]], %[[SECOND]] fastmath<contract> : f64
// CHECK-NEXT:      linalg.yield %[[RESULT]] : f64
func.func @exp_in_loop(%x: tensor<?xf64>) -> tensor<?xf64> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?xf64>
  %init = tensor.empty(%n) : tensor<?xf64>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<?xf64>) outs(%init : tensor<?xf64>) {
  ^bb0(%a: f64, %b: f64):
    %e = math.exp %a : f64
    linalg.yield %e : f64
  } -> tensor<?xf64>
  func.return %y : tensor<?xf64>
}

// -----

// math.log: the exponent and mantissa split by integer ops on the bits, and the special values
// (-inf at 0, nan below 0, x itself for inf and nan) selected at the end.
// CHECK-LABEL: func.func @log_in_loop(
// CHECK:         linalg.generic
// CHECK-NEXT:    ^bb0(%[[X:.*]]: f64, %{{.*}}: f64):
// CHECK-NOT:       math.log
// CHECK:           %[[BITS:.*]] = arith.bitcast %{{.*}} : f64 to i64
// CHECK:           %[[SPLIT:.*]] = arith.subi %[[BITS]], %{{.*}} : i64
// CHECK:           arith.shrsi %[[SPLIT]], %{{.*}} : i64
// CHECK:           arith.andi %[[SPLIT]], %{{.*}} : i64
// CHECK:           %[[S:.*]] = arith.divf
// CHECK:           %[[REGULAR:.*]] = arith.andi
// CHECK:           %[[NAN:.*]] = arith.constant 0x7ff8000000000000 : f64
// CHECK:           arith.select %{{.*}}, %[[NAN]], %[[X]] : f64
// CHECK:           %[[NEG_INF:.*]] = arith.constant 0xfff0000000000000 : f64
// CHECK:           %[[SPECIAL:.*]] = arith.select %{{.*}}, %[[NEG_INF]], %{{.*}} : f64
// CHECK:           %[[RESULT:.*]] = arith.select %[[REGULAR]], %{{.*}}, %[[SPECIAL]] : f64
// CHECK-NEXT:      linalg.yield %[[RESULT]] : f64
func.func @log_in_loop(%x: tensor<?xf64>) -> tensor<?xf64> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?xf64>
  %init = tensor.empty(%n) : tensor<?xf64>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<?xf64>) outs(%init : tensor<?xf64>) {
  ^bb0(%a: f64, %b: f64):
    %l = math.log %a : f64
    linalg.yield %l : f64
  } -> tensor<?xf64>
  func.return %y : tensor<?xf64>
}

// -----

// f32 computes in f32 (its own coefficients, i32 bit patterns); tanh selects its small-|x|
// polynomial or expm1(2|x|) and takes the sign of x.
// CHECK-LABEL: func.func @tanh_f32_in_loop(
// CHECK:         linalg.generic
// CHECK-NEXT:    ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      %[[ABS:.*]] = math.absf %[[X]] : f32
// CHECK-NOT:       math.tanh
// CHECK:           arith.bitcast %{{.*}} : f32 to i32
// CHECK:           %[[SMALL:.*]] = arith.constant 3.500000e-01 : f32
// CHECK-NEXT:      %[[IS_SMALL:.*]] = arith.cmpf olt, %{{.*}}, %[[SMALL]] : f32
// CHECK-NEXT:      %[[PICKED:.*]] = arith.select %[[IS_SMALL]], %{{.*}}, %{{.*}} : f32
// CHECK-NEXT:      %[[RESULT:.*]] = math.copysign %[[PICKED]], %[[X]] : f32
// CHECK-NEXT:      linalg.yield %[[RESULT]] : f32
func.func @tanh_f32_in_loop(%x: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?xf32>
  %init = tensor.empty(%n) : tensor<?xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<?xf32>) outs(%init : tensor<?xf32>) {
  ^bb0(%a: f32, %b: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  } -> tensor<?xf32>
  func.return %y : tensor<?xf32>
}

// -----

// Scalar code keeps its libm calls, and so do the functions the pass does not expand.
// CHECK-LABEL: func.func @scalar_and_other_math_untouched(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>, %[[S:[^:]+]]: f64)
// CHECK:         %[[E:.*]] = math.exp %[[S]] : f64
// CHECK:         linalg.generic
// CHECK-NEXT:    ^bb0(%[[A:.*]]: f64, %{{.*}}: f64):
// CHECK-NEXT:      %[[SIN:.*]] = math.sin %[[A]] : f64
// CHECK-NEXT:      linalg.yield %[[SIN]] : f64
// CHECK:         math.log1p %[[E]] : f64
func.func @scalar_and_other_math_untouched(%x: tensor<?xf64>, %s: f64) -> (tensor<?xf64>, f64) {
  %e = math.exp %s : f64
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?xf64>
  %init = tensor.empty(%n) : tensor<?xf64>
  %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<?xf64>) outs(%init : tensor<?xf64>) {
  ^bb0(%a: f64, %b: f64):
    %s2 = math.sin %a : f64
    linalg.yield %s2 : f64
  } -> tensor<?xf64>
  %l = math.log1p %e : f64
  func.return %y, %l : tensor<?xf64>, f64
}
