// RUN: zyg-opt %s | zyg-opt | filecheck %s

// A `try` with one handler, as the frontend builds it: the body under `scf.if !failed`, the handler
// in a second `scf.if`, which re-raises what it does not match.
// CHECK-LABEL: func.func @try_except(
// CHECK:         %[[FAILED:.*]], %[[FRAME:.*]] = zyg.try_enter
// CHECK:         scf.if
// CHECK:           zyg.try_exit %[[FRAME]] {failed = false}
// CHECK:         } else {
// CHECK:           zyg.try_exit %[[FRAME]] {failed = true}
// CHECK:         %[[M:.*]] = zyg.error_matches %[[FRAME]] {kinds = ["IndexError"], catch_index = 0 : i64}
// CHECK:         zyg.reraise %[[FRAME]]
func.func @try_except(%x: f64) -> f64 {
  %true = arith.constant true
  %failed, %frame = zyg.try_enter
  %ok = arith.xori %failed, %true : i1
  %y = scf.if %ok -> (f64) {
    %d = arith.mulf %x, %x : f64
    zyg.try_exit %frame {failed = false}
    scf.yield %d : f64
  } else {
    zyg.try_exit %frame {failed = true}
    scf.yield %x : f64
  }
  scf.if %failed {
    %m = zyg.error_matches %frame {kinds = ["IndexError"], catch_index = 0 : i64}
    %unmatched = arith.xori %m, %true : i1
    scf.if %unmatched {
      zyg.reraise %frame
    }
  }
  func.return %y : f64
}

// The forward code of a gradient hands the try its tape, to cut back when the body fails.
// CHECK-LABEL: func.func @with_tape(
// CHECK:         zyg.try_enter tape %{{.*}} : !ad.tape
func.func @with_tape(%tape: !ad.tape) {
  %failed, %frame = zyg.try_enter tape %tape : !ad.tape
  zyg.try_exit %frame {failed = false}
  func.return
}
