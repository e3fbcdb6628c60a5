// RUN: zyg-opt %s --split-input-file -p ad-differentiate | filecheck %s
// RUN: zyg-opt %s --split-input-file -p ad-differentiate,canonicalize,cse,dce | filecheck %s --check-prefix=OPT

// Straight-line code: the request is replaced by the forward code and the pullback, in place. The
// seed of `ad.grad` is 1.0; the cotangent of `x * y` flows to both operands.

func.func @f(%x: f64, %y: f64) -> f64 {
  %0 = arith.mulf %x, %y : f64
  %1 = math.sin %0 : f64
  func.return %1 : f64
}

// CHECK-LABEL: func.func @straight_line(
// CHECK-SAME:      %[[X:[^:]+]]: f64, %[[Y:[^:]+]]: f64) -> (f64, f64)
// CHECK:         %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK:         %[[P:.*]] = arith.mulf %[[X]], %[[Y]] : f64
// CHECK:         math.sin %[[P]] : f64
// CHECK:         %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK:         %[[COS:.*]] = math.cos %[[P]] : f64
// CHECK:         %[[CT:[^ ,)]+]] = arith.mulf %[[ONE]], %[[COS]] : f64
// CHECK:         %[[DX:.*]] = ad.mul %[[CT]], %[[Y]] : f64
// CHECK:         %[[DY:.*]] = ad.mul %[[CT]], %[[X]] : f64
// CHECK:         ad.tape_free %[[T]] : !ad.tape
// CHECK:         func.return %[[DX]], %[[DY]] : f64, f64

// The primal value itself is dead in the gradient.
// OPT-LABEL: func.func @straight_line(
// OPT-NOT:     math.sin
// OPT:         math.cos
// OPT-NOT:     math.sin
// OPT:         func.return
func.func @straight_line(%x: f64, %y: f64) -> (f64, f64) {
  %dx, %dy = ad.grad @f(%x, %y) : (f64, f64) -> (f64, f64)
  func.return %dx, %dy : f64, f64
}

// -----

// scf.if -> scf.if on the same condition. A residual computed inside a branch (`exp(x)`, needed by
// cos and by exp's own pullback) is pushed at the end of that branch and popped at the start of its
// pullback. (Cheap arithmetic of direct values, like `x * x`, would be recomputed instead.)

func.func @f(%x: f64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %c = arith.cmpf ogt, %x, %zero : f64
  %r = scf.if %c -> (f64) {
    %s = math.exp %x : f64
    %t = math.sin %s : f64
    scf.yield %t : f64
  } else {
    %n = arith.negf %x : f64
    scf.yield %n : f64
  }
  func.return %r : f64
}

// CHECK-LABEL: func.func @branch(
// CHECK:         %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK:         %[[C:.*]] = arith.cmpf ogt
// CHECK:         scf.if %[[C]] -> (f64) {
// CHECK:           %[[S:.*]] = math.exp
// CHECK:           math.sin %[[S]] : f64
// CHECK:           ad.push %[[T]], %[[S]] : f64
// CHECK:         } else {
// CHECK:           arith.negf
// CHECK:         }
// CHECK:         %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK:         %[[DX:.*]] = scf.if %[[C]] -> (f64) {
// CHECK-NEXT:      %[[SP:.*]] = ad.pop %[[T]] : f64
// CHECK-NEXT:      math.cos %[[SP]] : f64
// CHECK:           %[[P:.*]] = ad.mul %{{.*}}, %[[SP]] : f64
// CHECK-NEXT:      scf.yield %[[P]] : f64
// CHECK-NEXT:    } else {
// CHECK-NEXT:      %[[NEG:.*]] = arith.negf %[[ONE]] : f64
// CHECK-NEXT:      scf.yield %[[NEG]] : f64
// CHECK-NEXT:    }
// CHECK-NEXT:    ad.tape_free %[[T]] : !ad.tape
// CHECK-NEXT:    func.return %[[DX]] : f64

// exp(x) is popped once and serves both cos and exp's own pullback.
// OPT-LABEL: func.func @branch(
// OPT-SAME:      %[[X:[^:]+]]: f64) -> f64
// OPT:         %[[E:.*]] = ad.pop
// OPT-NEXT:    math.cos %[[E]] : f64
// OPT:         ad.mul %{{.*}}, %[[E]] : f64
func.func @branch(%x: f64) -> f64 {
  %dx = ad.grad @f(%x) : (f64) -> f64
  func.return %dx : f64
}

// -----

// A value read after an `scf.if` and inside it: the branch's pullback starts from the cotangent `x`
// already has and adds its own to it, the other branch yields it unchanged; no zero and no sum after
// the `scf.if` (for an array: no zero-filled array and no array sum).

func.func @f(%x: f64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %c = arith.cmpf ogt, %x, %zero : f64
  %r = scf.if %c -> (f64) {
    %s = math.sin %x : f64
    scf.yield %s : f64
  } else {
    scf.yield %zero : f64
  }
  %y = arith.mulf %r, %x : f64
  func.return %y : f64
}

// CHECK-LABEL: func.func @branch_into_incoming(
// CHECK:         %y = arith.mulf %r, %x : f64
// CHECK:         %[[X_CT:.*]] = arith.mulf %{{.*}}, %r : f64
// CHECK-NEXT:    %[[DX:.*]] = scf.if %c -> (f64) {
// CHECK-NEXT:      %[[COS:.*]] = math.cos %x : f64
// CHECK-NEXT:      %[[P:.*]] = ad.mul %{{.*}}, %[[COS]] : f64
// CHECK-NEXT:      %[[SUM:.*]] = ad.add %[[X_CT]], %[[P]] : f64
// CHECK-NEXT:      scf.yield %[[SUM]] : f64
// CHECK-NEXT:    } else {
// CHECK-NEXT:      scf.yield %[[X_CT]] : f64
// CHECK-NEXT:    }
// CHECK-NEXT:    ad.tape_free
// CHECK-NEXT:    func.return %[[DX]] : f64
func.func @branch_into_incoming(%x: f64) -> f64 {
  %dx = ad.grad @f(%x) : (f64) -> f64
  func.return %dx : f64
}

// -----

// The same for a loop: the reverse loop's accumulator of `x`'s cotangent starts from the one `x` has
// after the loop, instead of from zero with a sum after the loop.

func.func @f(%x: f64, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (f64) {
    %m = arith.mulf %acc, %x : f64
    scf.yield %m : f64
  }
  %y = arith.mulf %r, %x : f64
  func.return %y : f64
}

// CHECK-LABEL: func.func @loop_into_incoming(
// CHECK:         %y = arith.mulf %r, %x : f64
// CHECK:         %[[R_CT:.*]] = arith.mulf %{{.*}}, %x : f64
// CHECK-NEXT:    %[[X_CT:.*]] = arith.mulf %{{.*}}, %r : f64
// CHECK:         %[[ACC:.*]], %[[X_TOTAL:.*]] = scf.for %{{.*}} iter_args(%{{.*}} = %[[R_CT]], %[[X_IN:.*]] = %[[X_CT]]) -> (f64, f64) {
// CHECK:           %[[STEP:.*]] = ad.add %[[X_IN]], %{{.*}} : f64
// CHECK-NEXT:      scf.yield %{{.*}}, %[[STEP]] : f64, f64
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[DX:.*]] = ad.add %[[ACC]], %[[X_TOTAL]] : f64
// CHECK-NEXT:    ad.tape_free
func.func @loop_into_incoming(%x: f64, %n: index) -> f64 {
  %dx = ad.grad @f(%x, %n) : (f64, index) -> f64
  func.return %dx : f64
}

// -----

// scf.for with a float iter_arg: the forward loop pushes the residuals of each iteration; the
// trip count max(ceildiv(ub - lb, step), 0) is computed after it; the reverse is an scf.for over the
// trip count carrying the iter_arg's cotangent and the accumulated cotangent of `x` (read inside the
// body), popping the residuals in the reverse order of the pushes.

func.func @f(%x: f64, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (f64) {
    %s = math.sin %acc : f64
    %m = arith.mulf %s, %x : f64
    scf.yield %m : f64
  }
  func.return %r : f64
}

// CHECK-LABEL: func.func @for_loop(
// CHECK-SAME:      %[[X:[^:]+]]: f64, %[[N:[^:]+]]: index) -> f64
// CHECK:         %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK:         %[[LB:.*]] = arith.constant 0 : index
// CHECK:         %[[STEP:.*]] = arith.constant 1 : index
// CHECK:         scf.for %{{.*}} = %[[LB]] to %[[N]] step %[[STEP]] iter_args(%[[ACC:[^ ,)]+]] = %[[X]]) -> (f64) {
// CHECK:           %[[S:.*]] = math.sin %[[ACC]] : f64
// CHECK:           ad.push %[[T]], %[[ACC]] : f64
// CHECK-NEXT:      ad.push %[[T]], %[[S]] : f64
// CHECK-NEXT:      scf.yield
// CHECK:         %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[SPAN:.*]] = arith.subi %[[N]], %[[LB]] : index
// CHECK-NEXT:    %[[DIV:.*]] = arith.ceildivsi %[[SPAN]], %[[STEP]] : index
// CHECK-NEXT:    %[[TRIPS:.*]] = arith.maxsi %[[DIV]], %[[ZERO]] : index
// CHECK:         %[[SEED:.*]] = arith.constant 1.000000e+00 : f64
// CHECK:         %[[NOX:.*]] = ad.zero : f64
// CHECK:         %[[CTACC:.*]], %[[CTX:.*]] = scf.for %{{.*}} = %{{.*}} to %[[TRIPS]] step %{{.*}} iter_args(%[[A:[^ ,)]+]] = %[[SEED]], %[[B:[^ ,)]+]] = %[[NOX]]) -> (f64, f64) {
// CHECK-NEXT:      %[[SP:.*]] = ad.pop %[[T]] : f64
// CHECK-NEXT:      %[[ACCP:.*]] = ad.pop %[[T]] : f64
// CHECK-NEXT:      zyg.check_interrupt
// CHECK-NEXT:      %[[DS:.*]] = ad.mul %[[A]], %[[X]] : f64
// CHECK-NEXT:      %[[DXI:.*]] = ad.mul %[[A]], %[[SP]] : f64
// CHECK-NEXT:      %[[COS:.*]] = math.cos %[[ACCP]] : f64
// CHECK-NEXT:      %[[DACC:.*]] = ad.mul %[[DS]], %[[COS]] : f64
// CHECK-NEXT:      %[[XSUM:.*]] = ad.add %[[B]], %[[DXI]] : f64
// CHECK-NEXT:      scf.yield %[[DACC]], %[[XSUM]] : f64, f64
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[DX:.*]] = ad.add %[[CTACC]], %[[CTX]] : f64
// CHECK-NEXT:    ad.tape_free %[[T]] : !ad.tape
// CHECK-NEXT:    func.return %[[DX]] : f64

// With a unit step from 0, canonicalize reduces the trip count to max(n, 0).
// OPT-LABEL: func.func @for_loop(
// OPT-SAME:      %{{[^:]+}}: f64, %[[N:[^:]+]]: index) -> f64
// OPT:         %[[LB:.*]] = arith.constant 0 : index
// OPT:         %[[TRIPS:.*]] = arith.maxsi %[[N]], %[[LB]] : index
// OPT-NOT:     arith.ceildivsi
// OPT:         scf.for %{{.*}} = %[[LB]] to %[[TRIPS]]
func.func @for_loop(%x: f64, %n: index) -> f64 {
  %dx = ad.grad @f(%x, %n) : (f64, index) -> f64
  func.return %dx : f64
}

// -----

// Nested loops: the inner trip count is a residual of the outer body, pushed after the inner loop
// (an `index` value) and popped by the outer reverse loop before it runs the inner one.

func.func @f(%x: f64, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (f64) {
    %r2 = scf.for %j = %c0 to %i step %c1 iter_args(%acc2 = %acc) -> (f64) {
      %m = arith.mulf %acc2, %x : f64
      scf.yield %m : f64
    }
    scf.yield %r2 : f64
  }
  func.return %r : f64
}

// CHECK-LABEL: func.func @nested_for(
// CHECK:         %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             ad.push %[[T]], %{{.*}} : f64
// CHECK:           %[[INNER:.*]] = arith.maxsi
// CHECK-NEXT:      ad.push %[[T]], %[[INNER]] : index
// CHECK:         scf.for
// CHECK-NEXT:      %[[TRIPS:.*]] = ad.pop %[[T]] : index
// CHECK:           scf.for %{{.*}} = %{{.*}} to %[[TRIPS]] step
// CHECK-NEXT:        ad.pop %[[T]] : f64
// CHECK:         ad.tape_free %[[T]] : !ad.tape
func.func @nested_for(%x: f64, %n: index) -> f64 {
  %dx = ad.grad @f(%x, %n) : (f64, index) -> f64
  func.return %dx : f64
}

// -----

// scf.while: the forward loop gets an i64 iteration counter (an extra loop value, counted in the
// `do` region); the reverse is an scf.for over the count.

func.func @f(%x: f64) -> f64 {
  %limit = arith.constant 10.0 : f64
  %r = scf.while (%v = %x) : (f64) -> f64 {
    %c = arith.cmpf olt, %v, %limit : f64
    scf.condition(%c) %v : f64
  } do {
  ^bb0(%w: f64):
    %m = arith.mulf %w, %w : f64
    scf.yield %m : f64
  }
  func.return %r : f64
}

// CHECK-LABEL: func.func @while_loop(
// CHECK-SAME:      %[[X:[^:]+]]: f64) -> f64
// CHECK:         %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK:         %[[C0:.*]] = arith.constant 0 : i64
// CHECK-NEXT:    %{{.*}}, %[[COUNT:.*]] = scf.while (%[[V:[^ ,)]+]] = %[[X]], %[[K:[^ ,)]+]] = %[[C0]]) : (f64, i64) -> (f64, i64) {
// CHECK:           scf.condition(%{{.*}}) %[[V]], %[[K]] : f64, i64
// CHECK-NEXT:    } do {
// CHECK-NEXT:    ^{{.*}}(%[[W:[^ ,)]+]]: f64, %[[KA:[^ ,)]+]]: i64):
// CHECK-NEXT:      %[[M:.*]] = arith.mulf %[[W]], %[[W]] : f64
// CHECK-NEXT:      %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-NEXT:      %[[NEXT:.*]] = arith.addi %[[KA]], %[[ONE]] : i64
// CHECK-NEXT:      ad.push %[[T]], %[[W]] : f64
// CHECK-NEXT:      scf.yield %[[M]], %[[NEXT]] : f64, i64
// CHECK-NEXT:    }
// CHECK:         %[[DX:.*]] = scf.for %{{.*}} = %{{.*}} to %[[COUNT]] step %{{.*}} iter_args(%[[CT:[^ ,)]+]] = %{{.*}}) -> (f64) : i64 {
// CHECK-NEXT:      %[[WP:.*]] = ad.pop %[[T]] : f64
// CHECK-NEXT:      zyg.check_interrupt
// CHECK-NEXT:      %[[D1:.*]] = ad.mul %[[CT]], %[[WP]] : f64
// CHECK-NEXT:      %[[D2:.*]] = ad.mul %[[CT]], %[[WP]] : f64
// CHECK-NEXT:      %[[SUM:.*]] = ad.add %[[D1]], %[[D2]] : f64
// CHECK-NEXT:      scf.yield %[[SUM]] : f64
// CHECK-NEXT:    }
// CHECK-NEXT:    ad.tape_free %[[T]] : !ad.tape
// CHECK-NEXT:    func.return %[[DX]] : f64

// OPT-LABEL: func.func @while_loop(
// OPT:         scf.while
// OPT:         scf.for
// OPT-NEXT:      %[[WP:.*]] = ad.pop
// OPT-NEXT:      zyg.check_interrupt
// OPT-NEXT:      %[[D:.*]] = ad.mul %{{.*}}, %[[WP]] : f64
// OPT-NEXT:      ad.add %[[D]], %[[D]] : f64
func.func @while_loop(%x: f64) -> f64 {
  %dx = ad.grad @f(%x) : (f64) -> f64
  func.return %dx : f64
}

// -----

// A call on an active value: split mode. The forward code calls @g_fwd (the primal plus pushes,
// taking the tape), the pullback calls @g_bwd (pops, one cotangent per float parameter; the i64
// parameter gets none).

func.func @g(%a: f64, %k: i64) -> f64 {
  %s = math.sin %a : f64
  %m = arith.mulf %s, %a : f64
  func.return %m : f64
}

func.func @f(%x: f64) -> f64 {
  %k = arith.constant 2 : i64
  %y = func.call @g(%x, %k) : (f64, i64) -> f64
  %z = arith.mulf %y, %x : f64
  func.return %z : f64
}

// CHECK-LABEL: func.func @call(
// CHECK-SAME:      %[[X:[^:]+]]: f64) -> f64
// CHECK:         %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK:         %[[Y:.*]] = func.call @g_fwd(%[[X]], %{{.*}}, %[[T]]) : (f64, i64, !ad.tape) -> f64
// CHECK-NOT:     func.call @g(
// CHECK:         arith.mulf %[[Y]], %[[X]] : f64
// CHECK:         %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK:         %[[CTY:.*]] = arith.mulf %[[ONE]], %[[X]] : f64
// CHECK:         %[[CTX:.*]] = arith.mulf %[[ONE]], %[[Y]] : f64
// CHECK:         %[[DG:.*]] = func.call @g_bwd(%[[CTY]], %[[T]]) : (f64, !ad.tape) -> f64
// CHECK:         %[[DX:.*]] = ad.add %[[CTX]], %[[DG]] : f64
// CHECK:         ad.tape_free %[[T]] : !ad.tape
// CHECK:         func.return %[[DX]] : f64

// CHECK-LABEL: func.func private @g_fwd(
// CHECK-SAME:      %[[A:[^:]+]]: f64, %{{[^:]+}}: i64, %[[FT:[^:]+]]: !ad.tape) -> f64
// CHECK:         %[[S:.*]] = math.sin %[[A]] : f64
// CHECK:         %[[M:.*]] = arith.mulf %[[S]], %[[A]] : f64
// CHECK-NEXT:    ad.push %[[FT]], %[[S]] : f64
// CHECK-NEXT:    ad.push %[[FT]], %[[A]] : f64
// CHECK-NEXT:    func.return %[[M]] : f64

// CHECK-LABEL: func.func private @g_bwd(
// CHECK-SAME:      %[[CT:[^:]+]]: f64, %[[BT:[^:]+]]: !ad.tape) -> f64
// CHECK-NEXT:    %[[AP:.*]] = ad.pop %[[BT]] : f64
// CHECK-NEXT:    %[[SP:.*]] = ad.pop %[[BT]] : f64
// CHECK-NEXT:    %[[DS:.*]] = ad.mul %[[CT]], %[[AP]] : f64
// CHECK-NEXT:    %[[DA1:.*]] = ad.mul %[[CT]], %[[SP]] : f64
// CHECK-NEXT:    %[[COS:.*]] = math.cos %[[AP]] : f64
// CHECK-NEXT:    %[[DA2:.*]] = ad.mul %[[DS]], %[[COS]] : f64
// CHECK-NEXT:    %[[DA:.*]] = ad.add %[[DA1]], %[[DA2]] : f64
// CHECK-NEXT:    func.return %[[DA]] : f64

// OPT-LABEL: func.func @call(
// OPT:         func.call @g_fwd
// OPT:         func.call @g_bwd
// OPT-LABEL: func.func private @g_fwd(
// OPT-LABEL: func.func private @g_bwd(
func.func @call(%x: f64) -> f64 {
  %dx = ad.grad @f(%x) : (f64) -> f64
  func.return %dx : f64
}

// -----

// Recursion: @p_fwd calls itself and @p_bwd calls itself; the residuals of each level are pushed
// after the levels below it and popped before them.

func.func @p(%x: f64, %n: i64) -> f64 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %done = arith.cmpi sle, %n, %c0 : i64
  %r = scf.if %done -> (f64) {
    %one = arith.constant 1.0 : f64
    scf.yield %one : f64
  } else {
    %m = arith.subi %n, %c1 : i64
    %rec = func.call @p(%x, %m) : (f64, i64) -> f64
    %prod = arith.mulf %rec, %x : f64
    scf.yield %prod : f64
  }
  func.return %r : f64
}

// CHECK-LABEL: func.func @recursive(
// CHECK:         %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK:         func.call @p_fwd(%{{.*}}, %{{.*}}, %[[T]])
// CHECK:         func.call @p_bwd(%{{.*}}, %[[T]])
// CHECK:         ad.tape_free %[[T]] : !ad.tape

// CHECK-LABEL: func.func private @p_fwd(
// CHECK-SAME:      %[[X:[^:]+]]: f64, %{{[^:]+}}: i64, %[[FT:[^:]+]]: !ad.tape) -> f64
// CHECK:         %[[DONE:.*]] = arith.cmpi sle
// CHECK:         scf.if %[[DONE]]
// CHECK:           %[[REC:.*]] = func.call @p_fwd(%[[X]], %{{.*}}, %[[FT]]) : (f64, i64, !ad.tape) -> f64
// CHECK:           ad.push %[[FT]], %[[REC]] : f64
// CHECK:         ad.push %[[FT]], %[[X]] : f64
// CHECK-NEXT:    ad.push %[[FT]], %[[DONE]] : i1

// CHECK-LABEL: func.func private @p_bwd(
// CHECK-SAME:      %[[CT:[^:]+]]: f64, %[[BT:[^:]+]]: !ad.tape) -> f64
// CHECK-NEXT:    %[[DONEP:.*]] = ad.pop %[[BT]] : i1
// CHECK-NEXT:    %[[XP:.*]] = ad.pop %[[BT]] : f64
// CHECK-NEXT:    scf.if %[[DONEP]] -> (f64) {
// CHECK-NEXT:      ad.zero : f64
// CHECK:         } else {
// CHECK-NEXT:      %[[RECP:.*]] = ad.pop %[[BT]] : f64
// CHECK-NEXT:      %[[DREC:.*]] = ad.mul %[[CT]], %[[XP]] : f64
// CHECK:           func.call @p_bwd(%[[DREC]], %[[BT]]) : (f64, !ad.tape) -> f64
func.func @recursive(%x: f64, %n: i64) -> f64 {
  %dx = ad.grad @p(%x, %n) : (f64, i64) -> f64
  func.return %dx : f64
}

// -----

// Activity: the integer computation and the float computation on constants only do not vary with
// `x`, so they get no adjoint code; `x`'s gradient is the (primal) factor `a`.

func.func @f(%x: f64, %n: i64) -> f64 {
  %two = arith.constant 2 : i64
  %m = arith.muli %n, %two : i64
  %s = arith.addi %m, %n : i64
  %c = arith.constant 3.0 : f64
  %k = arith.mulf %c, %c : f64
  %sf = arith.sitofp %s : i64 to f64
  %a = arith.addf %sf, %k : f64
  %y = arith.mulf %a, %x : f64
  func.return %y : f64
}

// CHECK-LABEL: func.func @activity(
// CHECK:         %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK:         %[[A:[^ ,)]+]] = arith.addf
// CHECK-NEXT:    arith.mulf %[[A]], %{{.*}} : f64
// CHECK-NEXT:    %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK-NEXT:    %[[DX:.*]] = arith.mulf %[[ONE]], %[[A]] : f64
// CHECK-NEXT:    ad.tape_free %[[T]] : !ad.tape
// CHECK-NEXT:    func.return %[[DX]] : f64
func.func @activity(%x: f64, %n: i64) -> f64 {
  %dx = ad.grad @f(%x, %n) : (f64, i64) -> f64
  func.return %dx : f64
}

// -----

// A loop over integers only is inactive: no tape traffic, no reverse loop.

func.func @f(%x: f64, %n: i64) -> f64 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %c0) -> (i64) : i64 {
    %next = arith.addi %acc, %i : i64
    scf.yield %next : i64
  }
  %sf = arith.sitofp %sum : i64 to f64
  %y = arith.mulf %sf, %x : f64
  func.return %y : f64
}

// CHECK-LABEL: func.func @integer_loop(
// CHECK:         scf.for
// CHECK-NOT:     ad.push
// CHECK-NOT:     ad.pop
// CHECK-NOT:     scf.for
// CHECK:         %[[SF:.*]] = arith.sitofp
// CHECK-NEXT:    arith.mulf %[[SF]], %{{.*}} : f64
// CHECK-NEXT:    %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK-NEXT:    %[[DX:.*]] = arith.mulf %[[ONE]], %[[SF]] : f64
// CHECK-NEXT:    ad.tape_free
// CHECK-NEXT:    func.return %[[DX]] : f64
func.func @integer_loop(%x: f64, %n: i64) -> f64 {
  %dx = ad.grad @f(%x, %n) : (f64, i64) -> f64
  func.return %dx : f64
}

// -----

// A result that does not depend on `x` at all: its gradient is a materialised zero.

func.func @h(%x: f64, %n: i64) -> f64 {
  %two = arith.constant 2 : i64
  %m = arith.muli %n, %two : i64
  %sf = arith.sitofp %m : i64 to f64
  func.return %sf : f64
}

// CHECK-LABEL: func.func @inactive(
// CHECK-NOT:     arith.mulf
// CHECK:         %[[DX:.*]] = ad.zero : f64
// CHECK-NEXT:    ad.tape_free
// CHECK-NEXT:    func.return %[[DX]] : f64
func.func @inactive(%x: f64, %n: i64) -> f64 {
  %dx = ad.grad @h(%x, %n) : (f64, i64) -> f64
  func.return %dx : f64
}

// -----

// ad.vjp: the value is the forward result and the pullback starts from the given seed.

func.func @f(%x: f64, %n: i64) -> f64 {
  %e = math.exp %x : f64
  func.return %e : f64
}

// CHECK-LABEL: func.func @vjp(
// CHECK-SAME:      %[[X:[^:]+]]: f64, %{{[^:]+}}: i64, %[[SEED:[^:]+]]: f64) -> (f64, f64)
// CHECK:         %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK-NEXT:    %[[E:.*]] = math.exp %[[X]] : f64
// CHECK-NEXT:    %[[DX:.*]] = ad.mul %[[SEED]], %[[E]] : f64
// CHECK-NEXT:    ad.tape_free %[[T]] : !ad.tape
// CHECK-NEXT:    func.return %[[E]], %[[DX]] : f64, f64
func.func @vjp(%x: f64, %n: i64, %seed: f64) -> (f64, f64) {
  %y, %dx = ad.vjp @f(%x, %n) seed(%seed) : (f64, i64), (f64) -> (f64), f64
  func.return %y, %dx : f64, f64
}

// -----

// ad.vjp of a function of several results: one seed per float result (the int gets none); a result
// returned twice gets the sum of its seeds.

func.func @g(%x: f64, %n: i64) -> (f64, i64, f64) {
  %e = math.exp %x : f64
  func.return %e, %n, %e : f64, i64, f64
}

// CHECK-LABEL: func.func @vjp_several(
// CHECK-SAME:      %[[X:[^:]+]]: f64, %[[N:[^:]+]]: i64, %[[S0:[^:]+]]: f64, %[[S1:[^:]+]]: f64)
// CHECK:         %[[E:.*]] = math.exp %[[X]] : f64
// CHECK:         %[[S:.*]] = ad.add %[[S0]], %[[S1]] : f64
// CHECK-NEXT:    %[[DX:.*]] = ad.mul %[[S]], %[[E]] : f64
// CHECK:         func.return %[[E]], %[[N]], %[[E]], %[[DX]] : f64, i64, f64, f64
func.func @vjp_several(%x: f64, %n: i64, %s0: f64, %s1: f64) -> (f64, i64, f64, f64) {
  %a, %b, %c, %dx = ad.vjp @g(%x, %n) seed(%s0, %s1) : (f64, i64), (f64, f64) -> (f64, i64, f64), f64
  func.return %a, %b, %c, %dx : f64, i64, f64, f64
}

// -----

// Activity is forwards from the arguments and backwards from the result: `sqrt(x)` varies with `x`
// but reaches the result only through a comparison, so it emits no adjoint code and the gradient is
// a materialised zero (never `0 * inf` from sqrt' at 0). Reduced from a fuzzed program that gave nan.

func.func @f(%x: f64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %one = arith.constant 1.0 : f64
  %two = arith.constant 2.0 : f64
  %s = math.sqrt %x : f64
  %c = arith.cmpf ogt, %s, %zero : f64
  %r = arith.select %c, %one, %two : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @through_comparison(
// CHECK:         math.sqrt
// CHECK-NOT:     ad.div
// CHECK-NOT:     ad.mul
// CHECK:         %[[DX:.*]] = ad.zero : f64
// CHECK-NEXT:    ad.tape_free
// CHECK-NEXT:    func.return %[[DX]] : f64
func.func @through_comparison(%x: f64) -> f64 {
  %dx = ad.grad @f(%x) : (f64) -> f64
  func.return %dx : f64
}

// -----

// A loop-carried value that varies but never reaches the result (`t = sqrt(y - y)`, computed and
// dropped) gets no slot in the reverse loop and no adjoint code: only `s` is carried back.

func.func @f(%y: f64, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%s = %y, %t = %y) -> (f64, f64) {
    %d = arith.subf %y, %y : f64
    %root = math.sqrt %d : f64
    %next = arith.addf %s, %y : f64
    scf.yield %next, %root : f64, f64
  }
  func.return %r#0 : f64
}

// CHECK-LABEL: func.func @unused_carried(
// CHECK:         %[[SEED:.*]] = arith.constant 1.000000e+00 : f64
// CHECK:         scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{[^ ,)]+}} = %[[SEED]], %{{[^ ,)]+}} = %{{.*}}) -> (f64, f64) {
// CHECK-NOT:       ad.pop
// CHECK-NOT:       ad.mul
// CHECK-NOT:       ad.div
// CHECK:           ad.add
// CHECK:           scf.yield
// CHECK:         func.return
func.func @unused_carried(%y: f64, %n: index) -> f64 {
  %dy = ad.grad @f(%y, %n) : (f64, index) -> f64
  func.return %dy : f64
}

// -----

// A zero cotangent stays zero through an infinite local derivative: the branch not taken yields a
// zero cotangent for `sqrt(x)`, and `ad.mul` (a strong zero) keeps `0 * inf` at zero.

func.func @f(%x: f64, %c: i1) -> f64 {
  %s = math.sqrt %x : f64
  %r = scf.if %c -> (f64) {
    scf.yield %s : f64
  } else {
    %z = arith.constant 0.0 : f64
    scf.yield %z : f64
  }
  func.return %r : f64
}

// CHECK-LABEL: func.func @strong_zero(
// CHECK:         %[[S:.*]] = math.sqrt
// CHECK:         scf.yield %[[S]] : f64
// CHECK:         %[[CT:[^ ]+]] = scf.if
// CHECK:         %[[HALF:.*]] = arith.constant 5.000000e-01 : f64
// CHECK-NEXT:    %[[D:.*]] = arith.divf %[[HALF]], %[[S]] : f64
// CHECK-NEXT:    %[[DX:.*]] = ad.mul %[[CT]], %[[D]] : f64
// CHECK:         func.return %[[DX]] : f64
func.func @strong_zero(%x: f64, %c: i1) -> f64 {
  %dx = ad.grad @f(%x, %c) : (f64, i1) -> f64
  func.return %dx : f64
}

// -----

// `x - x` is 0 whatever `x` is: it varies with nothing, so `sqrt` of it (infinite derivative at 0)
// gets no adjoint code and the gradient is 0, not `inf - inf`.

func.func @f(%x: f64) -> f64 {
  %d = arith.subf %x, %x : f64
  %s = math.sqrt %d : f64
  func.return %s : f64
}

// CHECK-LABEL: func.func @self_difference(
// CHECK-NOT:     ad.mul
// CHECK:         %[[DX:.*]] = ad.zero : f64
// CHECK-NEXT:    ad.tape_free
// CHECK-NEXT:    func.return %[[DX]] : f64
func.func @self_difference(%x: f64) -> f64 {
  %dx = ad.grad @f(%x) : (f64) -> f64
  func.return %dx : f64
}

// -----

// A vjp in two halves. `ad.forward` runs the split-mode forward `@f_fwd` on a fresh tape, which it
// returns; `ad.backward` runs `@f_bwd` on a reader of that tape, so the tape stays whole for the next
// backward call. Every residual goes through the tape (nothing is shared between the halves).

func.func @f(%x: f64, %n: i64) -> f64 {
  %0 = arith.mulf %x, %x : f64
  %1 = math.sin %0 : f64
  func.return %1 : f64
}

// CHECK-LABEL: func.func @forward_half(
// CHECK-SAME:      %[[X:[^:]+]]: f64, %[[N:[^:]+]]: i64) -> (f64, !ad.tape)
// CHECK-NEXT:    %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK-NEXT:    %[[Y:.*]] = func.call @f_fwd(%[[X]], %[[N]], %[[T]]) : (f64, i64, !ad.tape) -> f64
// CHECK-NEXT:    func.return %[[Y]], %[[T]] : f64, !ad.tape
func.func @forward_half(%x: f64, %n: i64) -> (f64, !ad.tape) {
  %y, %t = ad.forward @f(%x, %n) {wrt = array<i64: 0>} : (f64, i64) -> (f64), !ad.tape
  func.return %y, %t : f64, !ad.tape
}

// CHECK-LABEL: func.func @backward_half(
// CHECK-SAME:      %[[S:[^:]+]]: f64, %[[T:[^:]+]]: !ad.tape) -> f64
// CHECK-NEXT:    %[[R:.*]] = ad.tape_reader %[[T]] : !ad.tape
// CHECK-NEXT:    %[[DX:.*]] = func.call @f_bwd(%[[S]], %[[R]]) : (f64, !ad.tape) -> f64
// CHECK-NEXT:    ad.tape_free %[[R]] : !ad.tape
// CHECK-NEXT:    func.return %[[DX]] : f64
func.func @backward_half(%s: f64, %t: !ad.tape) -> f64 {
  %dx = ad.backward @f seed(%s) tape(%t) {wrt = array<i64: 0>} : (f64) -> f64
  func.return %dx : f64
}

// CHECK-LABEL: func.func private @f_fwd(
// CHECK:         ad.push
// CHECK-LABEL: func.func private @f_bwd(
// CHECK:         ad.pop
// CHECK-NOT:     ad.push

// -----

// The special functions: lgamma' is digamma (`zyg.polygamma` of order 0), gamma' is gamma times it.

func.func @f(%x: f64) -> f64 {
  %g = zyg.gamma %x : f64
  %l = zyg.lgamma %g : f64
  func.return %l : f64
}

// CHECK-LABEL: func.func @special_functions(
// CHECK-SAME:      %[[X:[^:]+]]: f64) -> f64
// CHECK:         %[[G:.*]] = zyg.gamma %[[X]] : f64
// CHECK:         %[[PSI_G:.*]] = zyg.polygamma %[[G]] {order = 0 : i64} : f64
// CHECK:         %[[CT_G:.*]] = arith.mulf %{{.*}}, %[[PSI_G]] : f64
// CHECK:         %[[PSI_X:.*]] = zyg.polygamma %[[X]] {order = 0 : i64} : f64
// CHECK:         %[[D:.*]] = arith.mulf %[[G]], %[[PSI_X]] : f64
// CHECK:         ad.mul %[[CT_G]], %[[D]] : f64
func.func @special_functions(%x: f64) -> f64 {
  %dx = ad.grad @f(%x) : (f64) -> f64
  func.return %dx : f64
}
