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

// CHECK-LABEL: func.func @special_functions
func.func @special_functions(%a: f64) -> f64 {
  // CHECK: zyg.erfc %{{.*}} : f64
  %e = zyg.erfc %a : f64
  // CHECK: zyg.gamma %{{.*}} : f64
  %g = zyg.gamma %e : f64
  // CHECK: zyg.lgamma %{{.*}} : f64
  %l = zyg.lgamma %g : f64
  // CHECK: zyg.polygamma %{{.*}} {order = 1 : i64} : f64
  %p = zyg.polygamma %l {order = 1 : i64} : f64
  func.return %p : f64
}
