// RUN: zyg-opt %s --verify-diagnostics --split-input-file | filecheck %s

// Verifier messages of the indexing ops (zyg.dialects.zyg_indexing).

// CHECK: zyg.get_slice: expected 2 offsets, sizes and strides for a rank-2 tensor, got 1, 2 and 2
func.func @negative_slice_operand_count(%x: tensor<?x?xf64>, %i: index) -> tensor<?xf64> {
  %r = zyg.get_slice %x [%i] [%i, %i] [%i, %i] {axes = array<i64: 1>} : tensor<?x?xf64> -> tensor<?xf64>
  func.return %r : tensor<?xf64>
}

// -----

// CHECK: zyg.get_slice: axes [0] do not describe a rank-2 slice
func.func @negative_slice_rank(%x: tensor<?x?xf64>, %i: index) -> tensor<?x?xf64> {
  %r = zyg.get_slice %x [%i, %i] [%i, %i] [%i, %i] {axes = array<i64: 0>} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %r : tensor<?x?xf64>
}

// -----

// CHECK: zyg.set_slice: axes [1, 0] must be increasing axes of the rank-2 tensor or -1
func.func @negative_slice_axes_order(%v: tensor<?x?xf64>, %y: tensor<?x?xf64>, %i: index) -> tensor<?x?xf64> {
  %z = zyg.set_slice %v into %y [%i, %i] [%i, %i] [%i, %i] {axes = array<i64: 1, 0>} : tensor<?x?xf64> into tensor<?x?xf64>
  func.return %z : tensor<?x?xf64>
}

// -----

// CHECK: zyg.gather: indices must be a tensor of i64, got tensor<?xi32>
func.func @negative_gather_index_type(%x: tensor<?xf64>, %idx: tensor<?xi32>) -> tensor<?xf64> {
  %g = zyg.gather %x [%idx] : tensor<?xf64>, tensor<?xi32> -> tensor<?xf64>
  func.return %g : tensor<?xf64>
}

// -----

// CHECK: zyg.gather: tensor<?xi64> indices into tensor<?x?xf64> give a rank-2 tensor, not tensor<?xf64>
func.func @negative_gather_rank(%x: tensor<?x?xf64>, %idx: tensor<?xi64>) -> tensor<?xf64> {
  %g = zyg.gather %x [%idx] : tensor<?x?xf64>, tensor<?xi64> -> tensor<?xf64>
  func.return %g : tensor<?xf64>
}

// -----

// CHECK: zyg.mask_select: the mask must be a tensor of i1 of the rank of tensor<?x?xf64>, got tensor<?xi1>
func.func @negative_mask_rank(%x: tensor<?x?xf64>, %mask: tensor<?xi1>, %c: index) -> tensor<?xf64> {
  %v = zyg.mask_select %x [%mask] [%c] : tensor<?x?xf64>, tensor<?xi1> -> tensor<?xf64>
  func.return %v : tensor<?xf64>
}
