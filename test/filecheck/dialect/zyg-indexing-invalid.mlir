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

// CHECK: zyg.gather: axes [0] must be 2 distinct axes of tensor<?x?xf64>, one per index array
func.func @negative_gather_axes_count(%x: tensor<?x?xf64>, %i: tensor<?xi64>) -> tensor<?xf64> {
  %g = zyg.gather %x [%i, %i] : tensor<?x?xf64>, tensor<?xi64>, tensor<?xi64> -> tensor<?xf64>
  func.return %g : tensor<?xf64>
}

// -----

// CHECK: zyg.scatter_add: axes [1, 1] must be 2 distinct axes of tensor<?x?xf64>, one per index array
func.func @negative_scatter_add_repeated_axis(%v: tensor<?xf64>, %i: tensor<?xi64>, %n: index) -> tensor<?x?xf64> {
  %s = zyg.scatter_add %v [%i, %i] [%n, %n] {axes = array<i64: 1, 1>} : tensor<?xf64>, tensor<?xi64>, tensor<?xi64> -> tensor<?x?xf64>
  func.return %s : tensor<?x?xf64>
}

// -----

// CHECK: zyg.gather: expected one or more index arrays of one rank, got tensor<?xi64>, tensor<?x?xi64>
func.func @negative_gather_index_ranks(%x: tensor<?x?xf64>, %i: tensor<?xi64>, %j: tensor<?x?xi64>) -> tensor<?xf64> {
  %g = zyg.gather %x [%i, %j] {axes = array<i64: 0, 1>} : tensor<?x?xf64>, tensor<?xi64>, tensor<?x?xi64> -> tensor<?xf64>
  func.return %g : tensor<?xf64>
}

// -----

// CHECK: zyg.gather: position 2 is not between 0 and the 1 axes that are not indexed
func.func @negative_gather_position(%x: tensor<?x?xf64>, %i: tensor<?xi64>) -> tensor<?x?xf64> {
  %g = zyg.gather %x [%i] {axes = array<i64: 1>, position = 2 : i64} : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
  func.return %g : tensor<?x?xf64>
}

// -----

// CHECK: zyg.scatter: unknown kind 'max' (expected one of set, add)
func.func @negative_scatter_kind(%v: tensor<?xf64>, %y: tensor<?xf64>, %i: tensor<?xi64>) -> tensor<?xf64> {
  %z = zyg.scatter %v into %y [%i] {kind = "max"} : tensor<?xf64>, tensor<?xi64> into tensor<?xf64>
  func.return %z : tensor<?xf64>
}

// -----

// CHECK: zyg.scatter: tensor<?xi64> indices into tensor<?x?xf64> give a rank-2 tensor, not tensor<?xf64>
func.func @negative_scatter_rank(%v: tensor<?xf64>, %y: tensor<?x?xf64>, %i: tensor<?xi64>) -> tensor<?x?xf64> {
  %z = zyg.scatter %v into %y [%i] {kind = "set"} : tensor<?xf64>, tensor<?xi64> into tensor<?x?xf64>
  func.return %z : tensor<?x?xf64>
}

// -----

// CHECK: zyg.unscatter: tensor<?xi64> indices into tensor<?x?xf64> give a rank-2 tensor, not tensor<?x?x?xf64>
func.func @negative_unscatter_rank(%ct: tensor<?x?xf64>, %i: tensor<?xi64>) -> tensor<?x?x?xf64> {
  %v, %y = zyg.unscatter %ct [%i] : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?x?xf64>, tensor<?x?xf64>
  func.return %v : tensor<?x?x?xf64>
}

// -----

// CHECK: zyg.mask_select: the mask must be a tensor of i1 of the rank of tensor<?x?xf64>, got tensor<?xi1>
func.func @negative_mask_rank(%x: tensor<?x?xf64>, %mask: tensor<?xi1>, %c: index) -> tensor<?xf64> {
  %v = zyg.mask_select %x [%mask] [%c] : tensor<?x?xf64>, tensor<?xi1> -> tensor<?xf64>
  func.return %v : tensor<?xf64>
}
