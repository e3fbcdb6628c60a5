// RUN: zyg-opt %s --split-input-file -p ad-lower-tapes | filecheck %s

// Each tape op becomes a call into the tape runtime on an !llvm.ptr handle. Slots are f64 or i64:
// i1 and index values are widened before a push and narrowed after a pop. The runtime functions
// used are declared once, at the end of the module.

// CHECK-LABEL: func.func @tape_ops(
// CHECK-SAME:      %[[X:[^:]+]]: f64, %[[I:[^:]+]]: i64, %[[C:[^:]+]]: i1, %[[K:[^:]+]]: index) -> f64
// CHECK-NEXT:    %[[T:.*]] = func.call @_zyg_tape_new() : () -> !llvm.ptr
// CHECK-NEXT:    func.call @_zyg_tape_push_f64(%[[T]], %[[X]]) : (!llvm.ptr, f64) -> ()
// CHECK-NEXT:    func.call @_zyg_tape_push_i64(%[[T]], %[[I]]) : (!llvm.ptr, i64) -> ()
// CHECK-NEXT:    %[[CW:.*]] = arith.extui %[[C]] : i1 to i64
// CHECK-NEXT:    func.call @_zyg_tape_push_i64(%[[T]], %[[CW]]) : (!llvm.ptr, i64) -> ()
// CHECK-NEXT:    %[[KW:.*]] = arith.index_cast %[[K]] : index to i64
// CHECK-NEXT:    func.call @_zyg_tape_push_i64(%[[T]], %[[KW]]) : (!llvm.ptr, i64) -> ()
// CHECK-NEXT:    %[[KS:.*]] = func.call @_zyg_tape_pop_i64(%[[T]]) : (!llvm.ptr) -> i64
// CHECK-NEXT:    %{{.*}} = arith.index_cast %[[KS]] : i64 to index
// CHECK-NEXT:    %[[CS:.*]] = func.call @_zyg_tape_pop_i64(%[[T]]) : (!llvm.ptr) -> i64
// CHECK-NEXT:    %{{.*}} = arith.trunci %[[CS]] : i64 to i1
// CHECK-NEXT:    %{{.*}} = func.call @_zyg_tape_pop_i64(%[[T]]) : (!llvm.ptr) -> i64
// CHECK-NEXT:    %[[XP:.*]] = func.call @_zyg_tape_pop_f64(%[[T]]) : (!llvm.ptr) -> f64
// CHECK-NEXT:    func.call @_zyg_tape_free(%[[T]]) : (!llvm.ptr) -> ()
// CHECK-NEXT:    func.return %[[XP]] : f64
// CHECK-NOT:     ad.
func.func @tape_ops(%x: f64, %i: i64, %c: i1, %k: index) -> f64 {
  %t = ad.tape_new : !ad.tape
  ad.push %t, %x : f64
  ad.push %t, %i : i64
  ad.push %t, %c : i1
  ad.push %t, %k : index
  %k2 = ad.pop %t : index
  %c2 = ad.pop %t : i1
  %i2 = ad.pop %t : i64
  %x2 = ad.pop %t : f64
  ad.tape_free %t : !ad.tape
  func.return %x2 : f64
}

// A tape passed to split-mode functions: the !ad.tape parameters become !llvm.ptr.
// CHECK-LABEL: func.func private @g_fwd(
// CHECK-SAME:      %[[X:[^:]+]]: f64, %[[T:[^:]+]]: !llvm.ptr) -> f64
// CHECK-NEXT:    func.call @_zyg_tape_push_f64(%[[T]], %[[X]]) : (!llvm.ptr, f64) -> ()
func.func private @g_fwd(%x: f64, %t: !ad.tape) -> f64 {
  ad.push %t, %x : f64
  func.return %x : f64
}

// CHECK-LABEL: func.func private @g_bwd(
// CHECK-SAME:      %{{[^:]+}}: f64, %[[T:[^:]+]]: !llvm.ptr) -> f64
// CHECK-NEXT:    func.call @_zyg_tape_pop_f64(%[[T]]) : (!llvm.ptr) -> f64
func.func private @g_bwd(%ct: f64, %t: !ad.tape) -> f64 {
  %x = ad.pop %t : f64
  %d = arith.mulf %ct, %x : f64
  func.return %d : f64
}

// CHECK-DAG: func.func private @_zyg_tape_new() -> !llvm.ptr
// CHECK-DAG: func.func private @_zyg_tape_free(!llvm.ptr) -> ()
// CHECK-DAG: func.func private @_zyg_tape_push_f64(!llvm.ptr, f64) -> ()
// CHECK-DAG: func.func private @_zyg_tape_push_i64(!llvm.ptr, i64) -> ()
// CHECK-DAG: func.func private @_zyg_tape_pop_f64(!llvm.ptr) -> f64
// CHECK-DAG: func.func private @_zyg_tape_pop_i64(!llvm.ptr) -> i64

// -----

// A tape that is only created and freed (straight-line code) is removed, and with it the need for
// any runtime declaration.

// CHECK-LABEL: func.func @unused_tape(
// CHECK-SAME:      %[[X:[^:]+]]: f64) -> f64
// CHECK-NEXT:    %[[Y:.*]] = arith.mulf %[[X]], %[[X]] : f64
// CHECK-NEXT:    func.return %[[Y]] : f64
// CHECK-NEXT:  }
// CHECK-NOT:   _zyg_tape
func.func @unused_tape(%x: f64) -> f64 {
  %t = ad.tape_new : !ad.tape
  %y = arith.mulf %x, %x : f64
  ad.tape_free %t : !ad.tape
  func.return %y : f64
}

// -----

// A tape handed to a split-mode call is in use even if this function never pushes to it.

// CHECK-LABEL: func.func @tape_for_callee(
// CHECK-NEXT:    %[[T:.*]] = func.call @_zyg_tape_new() : () -> !llvm.ptr
// CHECK-NEXT:    func.call @h_fwd(%{{.*}}, %[[T]]) : (f64, !llvm.ptr) -> f64
// CHECK-NEXT:    func.call @_zyg_tape_free(%[[T]]) : (!llvm.ptr) -> ()
// CHECK-LABEL: func.func private @h_fwd(f64, !llvm.ptr) -> f64
func.func @tape_for_callee(%x: f64) -> f64 {
  %t = ad.tape_new : !ad.tape
  %y = func.call @h_fwd(%x, %t) : (f64, !ad.tape) -> f64
  ad.tape_free %t : !ad.tape
  func.return %y : f64
}
func.func private @h_fwd(f64, !ad.tape) -> f64

// -----

// A tensor is saved as its elements (f32 widened to f64) in a block of slots reserved at once, then
// its dimensions; popping reads the dimensions back (last first) and fills a new tensor.
// CHECK-LABEL: func.func @tensor_tape(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf32>) -> tensor<?x?xf32>
// CHECK:         %[[T:.*]] = func.call @_zyg_tape_new()
// CHECK:         %[[D0:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x?xf32>
// CHECK:         %[[D1:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x?xf32>
// CHECK:         %[[N:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK-NEXT:    %[[BLOCK:.*]] = func.call @_zyg_tape_push_slots(%[[T]], %[[N]]) : (!llvm.ptr, i64) -> !llvm.ptr
// CHECK:         scf.for %[[I:[^ ]+]] = %{{.*}} to %[[D0]]
// CHECK:           scf.for %[[J:[^ ]+]] = %{{.*}} to %[[D1]]
// CHECK:             %[[E:.*]] = tensor.extract %[[A]][%[[I]], %[[J]]] : tensor<?x?xf32>
// CHECK-NEXT:        %[[W:.*]] = arith.extf %[[E]] : f32 to f64
// CHECK:             %[[P:.*]] = llvm.getelementptr %[[BLOCK]][%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, i64
// CHECK-NEXT:        llvm.store %[[W]], %[[P]] : f64, !llvm.ptr
// CHECK:         func.call @_zyg_tape_push_i64(%[[T]], %{{.*}})
// CHECK:         func.call @_zyg_tape_push_i64(%[[T]], %{{.*}})
// CHECK:         %[[P1:.*]] = func.call @_zyg_tape_pop_i64(%[[T]])
// CHECK-NEXT:    %[[E1:.*]] = arith.index_cast %[[P1]] : i64 to index
// CHECK-NEXT:    %[[P0:.*]] = func.call @_zyg_tape_pop_i64(%[[T]])
// CHECK-NEXT:    %[[E0:.*]] = arith.index_cast %[[P0]] : i64 to index
// CHECK:         %[[BACK:.*]] = func.call @_zyg_tape_pop_slots(%[[T]], %{{.*}}) : (!llvm.ptr, i64) -> !llvm.ptr
// CHECK-NEXT:    %[[EMPTY:.*]] = tensor.empty(%[[E0]], %[[E1]]) : tensor<?x?xf32>
// CHECK:         %[[B:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]]) -> (tensor<?x?xf32>) {
// CHECK:             %[[L:.*]] = llvm.load %{{.*}} : !llvm.ptr -> f64
// CHECK-NEXT:        %[[N32:.*]] = arith.truncf %[[L]] : f64 to f32
// CHECK-NEXT:        tensor.insert %[[N32]] into
// CHECK:         func.return %[[B]] : tensor<?x?xf32>
func.func @tensor_tape(%a: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %t = ad.tape_new : !ad.tape
  ad.push %t, %a : tensor<?x?xf32>
  %b = ad.pop %t : tensor<?x?xf32>
  ad.tape_free %t : !ad.tape
  func.return %b : tensor<?x?xf32>
}

// -----

// The halves of a pullback: a tape returned from a function (and through `scf.if`) is an !llvm.ptr;
// a reader of it is a runtime call, and so is its release.
// CHECK-LABEL: func.func @forward_half(
// CHECK-SAME:      %{{.*}}: f64, %[[C:[^:]+]]: i1) -> !llvm.ptr
// CHECK:         %[[T:.*]] = scf.if %[[C]] -> (!llvm.ptr) {
// CHECK-NEXT:      %[[NEW:.*]] = func.call @_zyg_tape_new() : () -> !llvm.ptr
// CHECK-NEXT:      func.call @_zyg_tape_push_f64(%[[NEW]], %{{.*}}) : (!llvm.ptr, f64) -> ()
// CHECK-NEXT:      scf.yield %[[NEW]] : !llvm.ptr
// CHECK:         func.return %[[T]] : !llvm.ptr
func.func @forward_half(%x: f64, %c: i1) -> !ad.tape {
  %t = scf.if %c -> (!ad.tape) {
    %new = ad.tape_new : !ad.tape
    ad.push %new, %x : f64
    scf.yield %new : !ad.tape
  } else {
    %empty = ad.tape_new : !ad.tape
    scf.yield %empty : !ad.tape
  }
  func.return %t : !ad.tape
}

// CHECK-LABEL: func.func @backward_half(
// CHECK-SAME:      %[[T:[^:]+]]: !llvm.ptr) -> f64
// CHECK-NEXT:    %[[R:.*]] = func.call @_zyg_tape_reader(%[[T]]) : (!llvm.ptr) -> !llvm.ptr
// CHECK-NEXT:    %[[X:.*]] = func.call @_zyg_tape_pop_f64(%[[R]]) : (!llvm.ptr) -> f64
// CHECK-NEXT:    func.call @_zyg_tape_free(%[[R]]) : (!llvm.ptr) -> ()
// CHECK-NEXT:    func.return %[[X]] : f64
func.func @backward_half(%t: !ad.tape) -> f64 {
  %r = ad.tape_reader %t : !ad.tape
  %x = ad.pop %r : f64
  ad.tape_free %r : !ad.tape
  func.return %x : f64
}

// CHECK-LABEL: func.func @release(
// CHECK-NEXT:    func.call @_zyg_tape_free(%{{.*}}) : (!llvm.ptr) -> ()
func.func @release(%t: !ad.tape) {
  ad.tape_free %t : !ad.tape
  func.return
}
// CHECK: func.func private @_zyg_tape_reader(!llvm.ptr) -> !llvm.ptr
