# RUN: python %s | filecheck %s
# NumPy arrays, end to end: functions on float arrays compiled with zyg.jit and zyg.compile_grad,
# run, and checked against values worked out by hand (all exact in binary floating point); a shape
# mismatch found at run time raises zyg.ShapeError.

import numpy as np

import zyg


def show(label, values):
    """Prints a result or a tuple of gradients with fixed formatting."""
    if not isinstance(values, tuple):
        values = (values,)
    parts = [np.array2string(np.asarray(v), separator=", ") for v in values]
    print(label, " ".join(parts).replace("\n", ""))


x = np.array([1.0, 2.0, 3.0])


def sum_of_squares(x):
    return np.sum(x**2)


# 1 + 4 + 9; the gradient is 2x.
# CHECK: sum_of_squares 14.
# CHECK: sum_of_squares-grad [2., 4., 6.]
show("sum_of_squares", zyg.jit(sum_of_squares)(x))
show("sum_of_squares-grad", zyg.compile_grad(sum_of_squares)(x))


W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])


def linear(x, W):
    return np.sum(x @ W)


# x @ W = [22, 28]; d/dx = W summed over its columns, d/dW[i, j] = x[i].
# CHECK: linear 50.
# CHECK: linear-grad [ 3.,  7., 11.] [[1., 1.], [2., 2.], [3., 3.]]
show("linear", zyg.jit(linear)(x, W))
show("linear-grad", zyg.compile_grad(linear)(x, W))


X = np.arange(6.0).reshape(2, 3)
b = np.array([10.0, 20.0, 30.0])


def add_bias(X, b):
    return X + b


def add_bias_loss(X, b):
    return np.sum((X + b) ** 2)


# b is broadcast over the rows; its gradient sums 2 (X + b) over them.
# CHECK: add_bias [[10., 21., 32.], [13., 24., 35.]]
# CHECK: add_bias_loss-grad [[20., 42., 64.], [26., 48., 70.]] [ 46.,  90., 134.]
show("add_bias", zyg.jit(add_bias)(X, b))
show("add_bias_loss-grad", zyg.compile_grad(add_bias_loss)(X, b))


def dot_loop(v, w):
    s = 0.0
    for i in range(len(v)):
        s += v[i] * w[i]
    return s


# 10 + 40 + 90; reading v[i] sends w[i] back to position i, and vice versa.
# CHECK: dot_loop 140.
# CHECK: dot_loop-grad [10., 20., 30.] [1., 2., 3.]
show("dot_loop", zyg.jit(dot_loop)(x, b))
show("dot_loop-grad", zyg.compile_grad(dot_loop)(x, b))


# Shapes (2, 3) and (2,) do not broadcast: the check in the compiled code raises, naming the line.
# CHECK: ShapeError
# CHECK-SAME: arrays.py:{{[0-9]+}}:{{[0-9]+}}: error: add: operands could not be broadcast together with shapes (2, 3) (2,)
try:
    zyg.jit(add_bias)(X, np.array([1.0, 2.0]))
except zyg.ShapeError as e:
    print(type(e).__name__, str(e).splitlines()[0])


def matmul(A, B):
    return A @ B


# CHECK: ShapeError
# CHECK-SAME: arrays.py:{{[0-9]+}}:{{[0-9]+}}: error: matmul: shapes (2, 3) and (2, 3) not aligned: 3 (dim 1) != 2 (dim 0)
try:
    zyg.jit(matmul)(X, X)
except zyg.ShapeError as e:
    print(type(e).__name__, str(e).splitlines()[0])
