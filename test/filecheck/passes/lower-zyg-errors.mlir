// RUN: zyg-opt %s -p lower-zyg-tensors,lower-zyg-errors | filecheck %s

// The frame is stack memory at the top of the function; `setjmp` is called where the `try` opens,
// so a failure under it returns into this function with `failed` true. Closing the frame after a
// success keeps the body's blocks (release 0); after a failure it frees them and takes the error
// (release 3). A handler for IndexError matches the code of the IndexError check (1), and a host
// error (code 2) whose status has the bit of catch class 1 (bit 2, see `host_error_status`); the
// ValueError check (3) is not its kind.
// CHECK-LABEL: func.func @try_except(
// CHECK-NEXT:    %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-NEXT:    %[[FRAME:.*]] = llvm.alloca %[[ONE]] x !llvm.array<85 x i64> {alignment = 16 : i64}
// CHECK:         %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT:    llvm.call @_zyg_frame_push(%[[FRAME]], %[[NULL]])
// CHECK-NEXT:    %[[JUMPED:.*]] = llvm.call @_setjmp(%[[FRAME]])
// CHECK-NEXT:    %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-NEXT:    %[[FAILED:.*]] = arith.cmpi ne, %[[JUMPED]], %[[ZERO]] : i32
// CHECK:         llvm.call @_zyg_frame_pop(%[[FRAME]], %{{.*}}) :
// CHECK:         %[[CATCH:.*]] = arith.constant 3 : i64
// CHECK-NEXT:    llvm.call @_zyg_frame_pop(%[[FRAME]], %[[CATCH]])
// CHECK:       scf.if %[[FAILED]] {
// CHECK-NEXT:    %[[BOTH:.*]] = llvm.call @_zyg_error_code(%[[FRAME]])
// CHECK-NEXT:    %[[CODE:.*]] = llvm.extractvalue %[[BOTH]][0]
// CHECK-NEXT:    %[[STATUS:.*]] = llvm.extractvalue %[[BOTH]][1]
// CHECK:         %[[C1:.*]] = arith.constant 1 : i64
// CHECK-NEXT:    arith.cmpi eq, %[[CODE]], %[[C1]] : i64
// CHECK-NOT:     arith.constant 3 : i64
// CHECK:         %[[C2:.*]] = arith.constant 2 : i64
// CHECK-NEXT:    arith.cmpi eq, %[[CODE]], %[[C2]] : i64
// CHECK:         %[[SHIFT:.*]] = arith.constant 2 : i64
// CHECK-NEXT:    arith.shrui %[[STATUS]], %[[SHIFT]] : i64
// CHECK:         llvm.call @_zyg_reraise(%[[FRAME]])
// CHECK-NOT:     zyg.
// The runtime's frame functions are declared for the verifier (the backend defines them).
// CHECK:       llvm.func @_setjmp(!llvm.ptr) -> i32
// CHECK:       llvm.func @_zyg_frame_push(!llvm.ptr, !llvm.ptr)
func.func @try_except(%ok: i1, %n: i64, %x: f64) -> f64 {
  %true = arith.constant true
  zyg.check %ok, %n : i64 {error = "IndexError", message = "index {0} is out of bounds"}
  zyg.check %ok {error = "HostError", message = ""}
  zyg.check %ok {error = "ValueError", message = "shapes differ"}
  %failed, %frame = zyg.try_enter
  %run = arith.xori %failed, %true : i1
  %y = scf.if %run -> (f64) {
    %d = arith.mulf %x, %x : f64
    zyg.try_exit %frame {failed = false}
    scf.yield %d : f64
  } else {
    zyg.try_exit %frame {failed = true}
    scf.yield %x : f64
  }
  scf.if %failed {
    %m = zyg.error_matches %frame {kinds = ["IndexError"], catch_index = 1 : i64}
    %unmatched = arith.xori %m, %true : i1
    scf.if %unmatched {
      zyg.reraise %frame
    }
  }
  func.return %y : f64
}
