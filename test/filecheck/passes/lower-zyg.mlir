// RUN: zyg-opt %s -p lower-zyg | filecheck %s

// ad.zero is a 0.0 constant and ad.add an addf.
// CHECK-LABEL: func.func @zero_add(
// CHECK-SAME:      %[[A:[^:]+]]: f64) -> f64
// CHECK-NEXT:    %[[Z:.*]] = arith.constant 0.000000e+00 : f64
// CHECK-NEXT:    %[[S:.*]] = arith.addf %[[A]], %[[Z]] : f64
// CHECK-NEXT:    func.return %[[S]] : f64
func.func @zero_add(%a: f64) -> f64 {
  %z = ad.zero : f64
  %s = ad.add %a, %z : f64
  func.return %s : f64
}

// ad.stop_gradient is its operand once autodiff is done.
// CHECK-LABEL: func.func @stop_gradient(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>) -> tensor<?xf64>
// CHECK-NEXT:    func.return %[[X]] : tensor<?xf64>
func.func @stop_gradient(%x: tensor<?xf64>) -> tensor<?xf64> {
  %s = ad.stop_gradient %x : tensor<?xf64>
  func.return %s : tensor<?xf64>
}

// ad.mul / ad.div: the product or quotient, selected away where the cotangent is zero (a strong
// zero: 0 * inf and 0 / 0 give the zero cotangent, not nan), and a product also where the factor
// is zero (inf * 0: a zero local derivative passes nothing on).
// CHECK-LABEL: func.func @strong_zero(
// CHECK-SAME:      %[[CT:[^:]+]]: f64, %[[D:[^:]+]]: f64) -> f64
// CHECK-NEXT:    %[[P:.*]] = arith.mulf %[[CT]], %[[D]] : f64
// CHECK-NEXT:    %[[Z:.*]] = arith.constant 0.000000e+00 : f64
// CHECK-NEXT:    %[[ISZ:.*]] = arith.cmpf oeq, %[[CT]], %[[Z]] : f64
// CHECK-NEXT:    %[[FZ:.*]] = arith.cmpf oeq, %[[D]], %[[Z]] : f64
// CHECK-NEXT:    %[[PZ:.*]] = arith.select %[[FZ]], %[[Z]], %[[P]] : f64
// CHECK-NEXT:    %[[M:.*]] = arith.select %[[ISZ]], %[[CT]], %[[PZ]] : f64
// CHECK-NEXT:    %[[Q:.*]] = arith.divf %[[M]], %[[D]] : f64
// CHECK-NEXT:    %[[Z2:.*]] = arith.constant 0.000000e+00 : f64
// CHECK-NEXT:    %[[ISZ2:.*]] = arith.cmpf oeq, %[[M]], %[[Z2]] : f64
// CHECK-NEXT:    %[[R:.*]] = arith.select %[[ISZ2]], %[[M]], %[[Q]] : f64
// CHECK-NEXT:    func.return %[[R]] : f64
func.func @strong_zero(%ct: f64, %d: f64) -> f64 {
  %m = ad.mul %ct, %d : f64
  %q = ad.div %m, %d : f64
  func.return %q : f64
}

// Integer floor division rounds towards negative infinity (floordivsi); a divisor of 0 or -1 is
// replaced by 1 so the division is never undefined behaviour (INT64_MIN / -1 traps), and x // -1 is
// -x (the frontend raises OverflowError for INT64_MIN // -1 first).
// CHECK-LABEL: func.func @floordiv_int(
// CHECK-SAME:      %[[A:[^:]+]]: i64, %[[B:[^:]+]]: i64) -> i64
// CHECK-NEXT:    %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-NEXT:    %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-NEXT:    %[[MINUS:.*]] = arith.constant -1 : i64
// CHECK-NEXT:    %[[ISMINUS:.*]] = arith.cmpi eq, %[[B]], %[[MINUS]] : i64
// CHECK-NEXT:    %[[ISZERO:.*]] = arith.cmpi eq, %[[B]], %[[ZERO]] : i64
// CHECK-NEXT:    %[[UNSAFE:.*]] = arith.ori %[[ISZERO]], %[[ISMINUS]] : i1
// CHECK-NEXT:    %[[DIV:.*]] = arith.select %[[UNSAFE]], %[[ONE]], %[[B]] : i64
// CHECK-NEXT:    %[[Q:.*]] = arith.floordivsi %[[A]], %[[DIV]] : i64
// CHECK-NEXT:    %[[Z:.*]] = arith.constant 0 : i64
// CHECK-NEXT:    %[[NEG:.*]] = arith.subi %[[Z]], %[[A]] : i64
// CHECK-NEXT:    %[[R:.*]] = arith.select %[[ISMINUS]], %[[NEG]], %[[Q]] : i64
// CHECK-NEXT:    func.return %[[R]] : i64
// CHECK-NOT:     zyg.
func.func @floordiv_int(%a: i64, %b: i64) -> i64 {
  %q = zyg.floordiv %a, %b : i64
  func.return %q : i64
}

// Float floor division follows CPython: from fmod (arith.remf), so that 1.0 // 0.1 == 9.0.
// CHECK-LABEL: func.func @floordiv_float(
// CHECK-SAME:      %[[A:[^:]+]]: f64, %[[B:[^:]+]]: f64) -> f64
// CHECK-NEXT:    %[[MOD:.*]] = "arith.remf"(%[[A]], %[[B]]) : (f64, f64) -> f64
// CHECK-NEXT:    %[[DIFF:.*]] = arith.subf %[[A]], %[[MOD]] : f64
// CHECK-NEXT:    %{{.*}} = arith.divf %[[DIFF]], %[[B]] : f64
// CHECK:         math.floor
// CHECK:         func.return
func.func @floordiv_float(%a: f64, %b: f64) -> f64 {
  %q = zyg.floordiv %a, %b : f64
  func.return %q : f64
}

// Integer modulo: remsi (truncating), then Python's sign convention: when the remainder is nonzero
// and its sign differs from the divisor's, add the divisor.
// CHECK-LABEL: func.func @mod_int(
// CHECK-SAME:      %[[A:[^:]+]]: i64, %[[B:[^:]+]]: i64) -> i64
// CHECK:         %[[DIV:.*]] = arith.select
// CHECK-NEXT:    %[[R:.*]] = arith.remsi %[[A]], %[[DIV]] : i64
// CHECK-NEXT:    %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-NEXT:    %[[NONZERO:.*]] = arith.cmpi ne, %[[R]], %[[ZERO]] : i64
// CHECK-NEXT:    %[[RNEG:.*]] = arith.cmpi slt, %[[R]], %[[ZERO]] : i64
// CHECK-NEXT:    %[[BNEG:.*]] = arith.cmpi slt, %[[B]], %[[ZERO]] : i64
// CHECK-NEXT:    %[[DIFFER:.*]] = arith.xori %[[RNEG]], %[[BNEG]] : i1
// CHECK-NEXT:    %[[FIXED:.*]] = arith.addi %[[R]], %[[B]] : i64
// CHECK-NEXT:    %[[FIX:.*]] = arith.andi %[[NONZERO]], %[[DIFFER]] : i1
// CHECK-NEXT:    %[[M:.*]] = arith.select %[[FIX]], %[[FIXED]], %[[R]] : i64
// CHECK-NEXT:    func.return %[[M]] : i64
func.func @mod_int(%a: i64, %b: i64) -> i64 {
  %m = zyg.mod %a, %b : i64
  func.return %m : i64
}

// Float modulo: arith.remf (C's fmod; xDSL has no such op, so zyg defines it and it prints in
// generic form), then the same sign fix-up.
// CHECK-LABEL: func.func @mod_float(
// CHECK-SAME:      %[[A:[^:]+]]: f64, %[[B:[^:]+]]: f64) -> f64
// CHECK-NEXT:    %[[R:.*]] = "arith.remf"(%[[A]], %[[B]]) : (f64, f64) -> f64
// CHECK-NEXT:    %[[ZERO:.*]] = arith.constant 0.000000e+00 : f64
// CHECK-NEXT:    %[[NONZERO:.*]] = arith.cmpf une, %[[R]], %[[ZERO]] : f64
// CHECK-NEXT:    %[[RNEG:.*]] = arith.cmpf olt, %[[R]], %[[ZERO]] : f64
// CHECK-NEXT:    %[[BNEG:.*]] = arith.cmpf olt, %[[B]], %[[ZERO]] : f64
// CHECK-NEXT:    %[[DIFFER:.*]] = arith.xori %[[RNEG]], %[[BNEG]] : i1
// CHECK-NEXT:    %[[FIXED:.*]] = arith.addf %[[R]], %[[B]] : f64
// CHECK-NEXT:    %[[FIX:.*]] = arith.andi %[[NONZERO]], %[[DIFFER]] : i1
// CHECK-NEXT:    %[[M:.*]] = arith.select %[[FIX]], %[[FIXED]], %[[R]] : f64
// CHECK-NEXT:    func.return %[[M]] : f64
func.func @mod_float(%a: f64, %b: f64) -> f64 {
  %m = zyg.mod %a, %b : f64
  func.return %m : f64
}

// CHECK-LABEL: func.func @pow_float_float(
// CHECK-SAME:      %[[A:[^:]+]]: f64, %[[B:[^:]+]]: f64) -> f64
// CHECK-NEXT:    %[[P:.*]] = math.powf %[[A]], %[[B]] : f64
// CHECK-NEXT:    func.return %[[P]] : f64
func.func @pow_float_float(%a: f64, %b: f64) -> f64 {
  %p = zyg.pow %a, %b : f64, f64
  func.return %p : f64
}

// An int exponent with |n| <= 32 is repeated squaring (math.fpowi), a larger one libm's pow.
// CHECK-LABEL: func.func @pow_float_int(
// CHECK-SAME:      %[[A:[^:]+]]: f64, %[[N:[^:]+]]: i64) -> f64
// CHECK-NEXT:    %[[BOUND:.*]] = arith.constant 32 : i64
// CHECK-NEXT:    %[[SHIFTED:.*]] = arith.addi %[[N]], %[[BOUND]] : i64
// CHECK-NEXT:    %[[WIDTH:.*]] = arith.constant 64 : i64
// CHECK-NEXT:    %[[SMALL:.*]] = arith.cmpi ule, %[[SHIFTED]], %[[WIDTH]] : i64
// CHECK-NEXT:    %[[P:.*]] = scf.if %[[SMALL]] -> (f64) {
// CHECK-NEXT:      %[[SQ:.*]] = math.fpowi %[[A]], %[[N]] : f64, i64
// CHECK-NEXT:      scf.yield %[[SQ]] : f64
// CHECK-NEXT:    } else {
// CHECK-NEXT:      %[[NF:.*]] = arith.sitofp %[[N]] : i64 to f64
// CHECK-NEXT:      %[[POW:.*]] = math.powf %[[A]], %[[NF]] : f64
// CHECK-NEXT:      scf.yield %[[POW]] : f64
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %[[P]] : f64
func.func @pow_float_int(%a: f64, %n: i64) -> f64 {
  %p = zyg.pow %a, %n : f64, i64
  func.return %p : f64
}

// CHECK-LABEL: func.func @pow_int_int(
// CHECK-SAME:      %[[A:[^:]+]]: i64, %[[N:[^:]+]]: i64) -> i64
// CHECK-NEXT:    %[[P:.*]] = math.ipowi %[[A]], %[[N]] : i64
// CHECK-NEXT:    func.return %[[P]] : i64
func.func @pow_int_int(%a: i64, %n: i64) -> i64 {
  %p = zyg.pow %a, %n : i64, i64
  func.return %p : i64
}

// hypot: max * sqrt(1 + (min/max)^2), with max itself returned when it is 0 or infinity.
// CHECK-LABEL: func.func @hypot(
// CHECK-SAME:      %[[A:[^:]+]]: f64, %[[B:[^:]+]]: f64) -> f64
// CHECK-NEXT:    %[[AA:.*]] = math.absf %[[A]] : f64
// CHECK-NEXT:    %[[AB:.*]] = math.absf %[[B]] : f64
// CHECK-NEXT:    %[[BIG:.*]] = arith.maximumf %[[AA]], %[[AB]] : f64
// CHECK-NEXT:    %[[SMALL:.*]] = arith.minimumf %[[AA]], %[[AB]] : f64
// CHECK-NEXT:    %[[RATIO:.*]] = arith.divf %[[SMALL]], %[[BIG]] : f64
// CHECK-NEXT:    %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK-NEXT:    %[[SQ:.*]] = arith.mulf %[[RATIO]], %[[RATIO]] : f64
// CHECK-NEXT:    %[[SUM:.*]] = arith.addf %[[ONE]], %[[SQ]] : f64
// CHECK-NEXT:    %[[ROOT:.*]] = math.sqrt %[[SUM]] : f64
// CHECK-NEXT:    %[[SCALED:.*]] = arith.mulf %[[BIG]], %[[ROOT]] : f64
// CHECK-NEXT:    %[[ZERO:.*]] = arith.constant 0.000000e+00 : f64
// CHECK-NEXT:    %[[INF:.*]] = arith.constant 0x7ff0000000000000 : f64
// CHECK-NEXT:    %[[ISZERO:.*]] = arith.cmpf oeq, %[[BIG]], %[[ZERO]] : f64
// CHECK-NEXT:    %[[ISINF:.*]] = arith.cmpf oeq, %[[BIG]], %[[INF]] : f64
// CHECK-NEXT:    %[[SPECIAL:.*]] = arith.ori %[[ISZERO]], %[[ISINF]] : i1
// CHECK-NEXT:    %[[H:.*]] = arith.select %[[SPECIAL]], %[[BIG]], %[[SCALED]] : f64
// CHECK-NEXT:    func.return %[[H]] : f64
func.func @hypot(%a: f64, %b: f64) -> f64 {
  %h = zyg.hypot %a, %b : f64
  func.return %h : f64
}

// erfc, gamma and lgamma call the C library, declared once.
// CHECK-LABEL: func.func @libm(
// CHECK-SAME:      %[[X:[^:]+]]: f64) -> f64
// CHECK-NEXT:    %[[E:.*]] = func.call @erfc(%[[X]]) : (f64) -> f64
// CHECK-NEXT:    %[[G:.*]] = func.call @tgamma(%[[E]]) : (f64) -> f64
// CHECK-NEXT:    %[[L:.*]] = func.call @lgamma(%[[G]]) : (f64) -> f64
// CHECK-NEXT:    %[[L2:.*]] = func.call @lgamma(%[[L]]) : (f64) -> f64
// CHECK-NEXT:    func.return %[[L2]] : f64
func.func @libm(%x: f64) -> f64 {
  %e = zyg.erfc %x : f64
  %g = zyg.gamma %e : f64
  %l = zyg.lgamma %g : f64
  %l2 = zyg.lgamma %l : f64
  func.return %l2 : f64
}

// Digamma: reflection for x < 0 (1 - x, and pi cot(pi x) of x - round(x), nan at the negative
// integers), ten recurrence steps selected while y < 10, then the asymptotic series from log(y).
// CHECK-LABEL: func.func @digamma(
// CHECK-SAME:      %[[X:[^:]+]]: f64) -> f64
// CHECK:         %[[NEG:.*]] = arith.cmpf olt, %[[X]], %{{.*}} : f64
// CHECK:         %[[Y:.*]] = arith.select %[[NEG]], %{{.*}}, %[[X]] : f64
// CHECK-COUNT-10: arith.cmpf olt, %{{.*}}, %{{.*}} : f64
// CHECK:         math.log %{{.*}} : f64
// CHECK:         math.round %[[X]] : f64
// CHECK:         math.cos
// CHECK:         math.sin
// CHECK:         %[[NAN:.*]] = arith.constant 0x7ff8000000000000 : f64
// CHECK-NEXT:    %[[R:.*]] = arith.select %{{.*}}, %[[NAN]], %{{.*}} : f64
// CHECK-NEXT:    func.return %[[R]] : f64
func.func @digamma(%x: f64) -> f64 {
  %p = zyg.polygamma %x {order = 0 : i64} : f64
  func.return %p : f64
}

// Nothing else is touched, and no zyg or cotangent op is left.
// CHECK-NOT: zyg.
// CHECK-NOT: ad.zero
// CHECK-NOT: ad.add
// CHECK-DAG: func.func private @erfc(f64) -> f64
// CHECK-DAG: func.func private @tgamma(f64) -> f64
// CHECK-DAG: func.func private @lgamma(f64) -> f64
