// RUN: zyg-opt %s --split-input-file -p ad-differentiate | filecheck %s

// A checkpointed scf.for (`ad.checkpoint`) runs as ceil(n / s) segments of s = ceil(sqrt(n))
// iterations. The forward code calls the plain segment function and saves only the carried state at
// each segment's start; the reverse loop pops it, reruns the segment with taping on a tape of its own
// (`_fwd`) and runs its pullback (`_bwd`). The mark is gone after the pass.

func.func @f(%x: f64, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (f64) {
    %s = math.sin %acc : f64
    %m = arith.mulf %s, %x : f64
    scf.yield %m : f64
  } {ad.checkpoint}
  func.return %r : f64
}

// CHECK-LABEL: func.func @for_loop(
// CHECK-SAME:      %[[X:[^:]+]]: f64, %[[N:[^:]+]]: index) -> f64
// CHECK:         %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK:         %[[COUNT:.*]] = arith.maxsi
// CHECK:         math.sqrt
// CHECK:         math.ceil
// CHECK:         %[[LENGTH:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK:         %[[SEGMENTS:.*]] = arith.ceildivsi %[[COUNT]], %[[LENGTH]] : index
// CHECK:         scf.for %[[J:.*]] = %{{.*}} to %[[SEGMENTS]] step %{{.*}} iter_args(%[[STATE:[^ ]+]] = %[[X]]) -> (f64) {
// CHECK:           %[[FIRST:.*]] = arith.muli %[[J]], %[[LENGTH]] : index
// CHECK:           arith.minsi
// CHECK:           %[[NEXT:.*]] = func.call @f_segment0(%{{.*}}, %{{.*}}, %{{.*}}, %[[STATE]], %[[X]])
// CHECK-NOT:       ad.checkpoint
// CHECK-NEXT:      ad.push %[[T]], %[[STATE]] : f64
// CHECK-NEXT:      scf.yield %[[NEXT]] : f64
// CHECK:         scf.for
// CHECK:           %[[SAVED:.*]] = ad.pop %[[T]] : f64
// CHECK:           %[[OWN:.*]] = ad.tape_new : !ad.tape
// CHECK-NEXT:      func.call @f_segment0_fwd(%{{.*}}, %{{.*}}, %{{.*}}, %[[SAVED]], %[[X]], %[[OWN]])
// CHECK-NEXT:      func.call @f_segment0_bwd(%{{.*}}, %[[OWN]])
// CHECK-NEXT:      ad.tape_free %[[OWN]] : !ad.tape
// CHECK:         ad.tape_free %[[T]] : !ad.tape

// The segment: the original body between the segment's bounds.
// CHECK-LABEL: func.func private @f_segment0(
// CHECK-SAME:      %[[LO:[^:]+]]: index, %[[HI:[^:]+]]: index, %[[STEP:[^:]+]]: index, %[[START:[^:]+]]: f64, %[[XS:[^:]+]]: f64) -> f64
// CHECK:         scf.for %{{.*}} = %[[LO]] to %[[HI]] step %[[STEP]] iter_args(%[[ACC:[^ ]+]] = %[[START]]) -> (f64) {
// CHECK-NEXT:      math.sin %[[ACC]] : f64

// Its split pair, run only in the pullback: each iteration's residuals go on the segment's tape.
// CHECK-LABEL: func.func private @f_segment0_fwd(
// CHECK:           ad.push
// CHECK-LABEL: func.func private @f_segment0_bwd(
// CHECK:           ad.pop
func.func @for_loop(%x: f64, %n: index) -> f64 {
  %dx = ad.grad @f(%x, %n) : (f64, index) -> f64
  func.return %dx : f64
}

// -----

// A checkpointed scf.while: segment j runs at most j + 1 iterations (the condition is evaluated only
// below that limit), and the segments go on while one runs its full limit. The outer loop is an
// scf.while whose pullback, as for any while loop, is an scf.for over its counted trips.

func.func @f(%x: f64) -> f64 {
  %r = scf.while (%v = %x) : (f64) -> f64 {
    %limit = arith.constant 1.000000e+02 : f64
    %go = arith.cmpf olt, %v, %limit : f64
    scf.condition(%go) %v : f64
  } do {
  ^bb0(%w: f64):
    %s = math.sin %w : f64
    %n = arith.addf %w, %s : f64
    scf.yield %n : f64
  } attributes {ad.checkpoint}
  func.return %r : f64
}

// CHECK-LABEL: func.func @while_loop(
// CHECK-SAME:      %[[X:[^:]+]]: f64) -> f64
// CHECK:         %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK:         scf.while (%{{.*}} = %[[X]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) : (f64, i64, i1, i64)
// CHECK:           scf.condition(%[[GO:.*]]) %{{.*}}, %{{.*}}, %[[GO]], %{{.*}} : f64, i64, i1, i64
// CHECK:         ^bb0(%[[STATE:[^:]+]]: f64, %[[J:[^:]+]]: i64, %{{[^:]+}}: i1, %{{[^:]+}}: i64):
// CHECK:           %[[LIMIT:.*]] = arith.addi %[[J]], %{{.*}} : i64
// CHECK:           %[[NEXT:.*]], %[[RAN:.*]] = func.call @f_segment0(%[[LIMIT]], %[[STATE]]) : (i64, f64) -> (f64, i64)
// CHECK:           arith.cmpi eq, %[[RAN]], %[[LIMIT]] : i64
// CHECK:           ad.push %[[T]], %[[STATE]] : f64
// CHECK:           ad.push %[[T]], %[[LIMIT]] : i64
// CHECK:         scf.for
// CHECK:           %[[SAVED_LIMIT:.*]] = ad.pop %[[T]] : i64
// CHECK:           %[[SAVED:.*]] = ad.pop %[[T]] : f64
// CHECK:           %[[OWN:.*]] = ad.tape_new : !ad.tape
// CHECK-NEXT:      func.call @f_segment0_fwd(%[[SAVED_LIMIT]], %[[SAVED]], %[[OWN]])
// CHECK-NEXT:      func.call @f_segment0_bwd(%{{.*}}, %[[OWN]])
// CHECK-NEXT:      ad.tape_free %[[OWN]] : !ad.tape

// CHECK-LABEL: func.func private @f_segment0(
// CHECK-SAME:      %[[MAX:[^:]+]]: i64, %[[START:[^:]+]]: f64) -> (f64, i64)
// CHECK:         scf.while (%[[V:.*]] = %[[START]], %[[K:.*]] = %{{.*}}) : (f64, i64) -> (f64, i64) {
// CHECK-NEXT:      %[[BELOW:.*]] = arith.cmpi slt, %[[K]], %[[MAX]] : i64
// CHECK-NEXT:      %[[HOLDS:.*]] = scf.if %[[BELOW]] -> (i1) {
// CHECK:             arith.cmpf olt, %[[V]]
// CHECK:           scf.condition(%[[HOLDS]]) %[[V]], %[[K]] : f64, i64
// CHECK:           math.sin
// CHECK:           arith.addi
// CHECK:           scf.yield
func.func @while_loop(%x: f64) -> f64 {
  %dx = ad.grad @f(%x) : (f64) -> f64
  func.return %dx : f64
}

// -----

// A checkpointed call: the forward code calls plain `@g` (no `_fwd`, nothing saved by g); its pullback
// reruns `@g_fwd` on the call's arguments onto a tape of its own, then `@g_bwd` reads it.

func.func @g(%x: f64) -> f64 {
  %s = math.sin %x : f64
  %m = arith.mulf %s, %x : f64
  func.return %m : f64
}

func.func @f(%x: f64) -> f64 {
  %y = func.call @g(%x) {ad.checkpoint} : (f64) -> f64
  %z = math.exp %y : f64
  func.return %z : f64
}

// CHECK-LABEL: func.func @checkpointed_call(
// CHECK-SAME:      %[[X:[^:]+]]: f64) -> f64
// CHECK:         %[[Y:.*]] = func.call @g(%[[X]]) : (f64) -> f64
// CHECK:         math.exp %[[Y]] : f64
// CHECK:         %[[OWN:.*]] = ad.tape_new : !ad.tape
// CHECK-NEXT:    func.call @g_fwd(%[[X]], %[[OWN]]) : (f64, !ad.tape) -> f64
// CHECK-NEXT:    %[[DX:.*]] = func.call @g_bwd(%{{.*}}, %[[OWN]]) : (f64, !ad.tape) -> f64
// CHECK-NEXT:    ad.tape_free %[[OWN]] : !ad.tape
// CHECK:         func.return %[[DX]] : f64
func.func @checkpointed_call(%x: f64) -> f64 {
  %dx = ad.grad @f(%x) : (f64) -> f64
  func.return %dx : f64
}
