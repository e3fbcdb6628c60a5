// RUN: zyg-opt %s | zyg-opt | filecheck %s

// CHECK-LABEL: func.func @python_ops
func.func @python_ops(%a: f64, %b: f64, %i: i64, %j: i64) -> f64 {
  // CHECK: zyg.floordiv %{{.*}}, %{{.*}} : i64
  %q = zyg.floordiv %i, %j : i64
  // CHECK: zyg.mod %{{.*}}, %{{.*}} : f64
  %r = zyg.mod %a, %b : f64
  // CHECK: zyg.pow %{{.*}}, %{{.*}} : f64, i64
  %p = zyg.pow %a, %i : f64, i64
  // CHECK: zyg.hypot %{{.*}}, %{{.*}} : f64
  %h = zyg.hypot %a, %b : f64
  func.return %h : f64
}
