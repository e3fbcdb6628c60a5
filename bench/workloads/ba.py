"""Bundle adjustment's reprojection objective (ADBench/GradBench `ba`), one observation at a time.

Each observation rotates a point by its camera's Rodrigues vector, projects it, applies the radial
distortion and compares the result with the observed feature; the objective is the sum of the
squared weighted reprojection errors and weight errors (1 - w^2). A camera is 11 numbers: rotation
(3), centre (3), focal length, principal point (2), distortion (2). The data are synthetic at the
size of ADBench's ba1 (49 cameras, 7776 points, 31843 observations, camera i % 49 and point i % 7776
as in its files), scattered around the values in those files. The loop works on 2- and 3-vectors;
the gradient is taken w.r.t. the cameras, the points and the weights.
"""

from __future__ import annotations

import numpy as np

from bench.workloads import Case, njit_module, rebind

WRT = (0, 1, 2)
_CAMERA = np.array([-0.758453, -1.109613, -0.845551, 34.556073, 39.676747, 53.881673, 419.194514, 5.864426,
                    -8.518870, 0.087812, 0.002739])
_POINT = np.array([7.203245, 0.001144, 3.023326])
_FEATURE = np.array([271.760969, 834.209256])


def cases() -> list[Case]:
    return [Case("ba-p31843", "bundle adjustment p=31843", "ba", {"n": 49, "m": 7776, "p": 31_843}, quick=True)]


def inputs(n: int, m: int, p: int) -> tuple:
    rng = np.random.default_rng(13)
    cams = _CAMERA * (1.0 + 0.02 * rng.normal(size=(n, 11)))
    points = _POINT + rng.normal(size=(m, 3))
    weights = rng.uniform(0.3, 0.6, size=p)
    features = _FEATURE + 20.0 * rng.normal(size=(p, 2))
    obs = np.stack([np.arange(p) % n, np.arange(p) % m], axis=1)
    return cams, points, weights, features, obs


def rodrigues_rotate_point(rot, x):
    sqtheta = np.sum(rot * rot)
    if sqtheta != 0.0:
        theta = np.sqrt(sqtheta)
        costheta = np.cos(theta)
        sintheta = np.sin(theta)
        w = rot / theta
        w_cross_x = np.cross(w, x)
        tmp = (1.0 - costheta) * np.dot(w, x)
        return x * costheta + w_cross_x * sintheta + w * tmp
    return x + np.cross(rot, x)


def project(cam, x):
    xcam = rodrigues_rotate_point(cam[0:3], x - cam[3:6])
    projected = xcam[:2] / xcam[2]
    rsq = np.sum(projected * projected)
    distortion = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq
    return projected * distortion * cam[6] + cam[7:9]


def primal(cams, points, weights, features, obs):
    total = 0.0
    for i in range(obs.shape[0]):
        proj = project(cams[obs[i, 0]], points[obs[i, 1]])
        residual = weights[i] * (proj - features[i])
        weight_error = 1.0 - weights[i] * weights[i]
        total += np.sum(residual * residual) + weight_error * weight_error
    return total


def _rows(a, b):
    return np.sum(a * b, axis=1, keepdims=True)


def primal_by_hand(cams, points, weights, features, obs):
    """Every observation at once, on (p, 3) arrays."""
    cam = cams[obs[:, 0]]
    x = points[obs[:, 1]] - cam[:, 3:6]
    theta = np.sqrt(_rows(cam[:, 0:3], cam[:, 0:3]))
    w = cam[:, 0:3] / theta
    y = x * np.cos(theta) + np.cross(w, x) * np.sin(theta) + w * ((1.0 - np.cos(theta)) * _rows(w, x))
    projected = y[:, :2] / y[:, 2:]
    rsq = _rows(projected, projected)
    proj = projected * (1.0 + cam[:, 9:10] * rsq + cam[:, 10:11] * rsq * rsq) * cam[:, 6:7] + cam[:, 7:9]
    residual = weights[:, None] * (proj - features)
    return np.sum(residual * residual) + np.sum((1.0 - weights * weights) ** 2)


def gradient_by_hand(cams, points, weights, features, obs):
    """The vectorised forward pass of `primal_by_hand`, then its reverse, stage by stage (cross-product
    rule: z = a x b  =>  a_ct = b x z_ct, b_ct = z_ct x a), scattered back with np.add.at."""
    cam = cams[obs[:, 0]]
    rot, x = cam[:, 0:3], points[obs[:, 1]] - cam[:, 3:6]
    theta = np.sqrt(_rows(rot, rot))
    cos, sin = np.cos(theta), np.sin(theta)
    w = rot / theta
    w_cross_x, w_dot_x = np.cross(w, x), _rows(w, x)
    tmp = (1.0 - cos) * w_dot_x
    y = x * cos + w_cross_x * sin + w * tmp
    projected = y[:, :2] / y[:, 2:]
    rsq = _rows(projected, projected)
    k1, k2, focal = cam[:, 9:10], cam[:, 10:11], cam[:, 6:7]
    distortion = 1.0 + k1 * rsq + k2 * rsq * rsq
    proj = projected * distortion * focal + cam[:, 7:9]
    difference = proj - features
    residual = weights[:, None] * difference

    residual_ct = 2.0 * residual
    weights_ct = np.sum(residual_ct * difference, axis=1) - 4.0 * weights * (1.0 - weights * weights)
    proj_ct = weights[:, None] * residual_ct
    cam_ct = np.zeros_like(cam)
    cam_ct[:, 7:9] = proj_ct
    cam_ct[:, 6:7] = _rows(proj_ct, projected * distortion)
    distortion_ct = _rows(proj_ct, projected * focal)
    cam_ct[:, 9:10] = distortion_ct * rsq
    cam_ct[:, 10:11] = distortion_ct * rsq * rsq
    projected_ct = proj_ct * distortion * focal + 2.0 * projected * (distortion_ct * (k1 + 2.0 * k2 * rsq))
    y_ct = np.concatenate([projected_ct / y[:, 2:], -_rows(projected_ct, y[:, :2]) / y[:, 2:] ** 2], axis=1)
    x_ct = y_ct * cos
    cos_ct = _rows(y_ct, x) - _rows(y_ct, w) * w_dot_x
    sin_ct = _rows(y_ct, w_cross_x)
    w_cross_x_ct = y_ct * sin
    w_ct = y_ct * tmp + (1.0 - cos) * _rows(y_ct, w) * x + np.cross(x, w_cross_x_ct)
    x_ct += (1.0 - cos) * _rows(y_ct, w) * w + np.cross(w_cross_x_ct, w)
    theta_ct = -sin * cos_ct + cos * sin_ct - _rows(w_ct, rot) / theta**2
    cam_ct[:, 0:3] = w_ct / theta + theta_ct * rot / theta
    cam_ct[:, 3:6] = -x_ct
    cams_ct, points_ct = np.zeros_like(cams), np.zeros_like(points)
    np.add.at(cams_ct, obs[:, 0], cam_ct)
    np.add.at(points_ct, obs[:, 1], x_ct)
    return cams_ct, points_ct, weights_ct


def jax_primal(jnp, lax):
    """`project` on one observation, mapped over all of them with `jax.vmap` (a Python loop of
    31843 iterations would be unrolled into the program); the rotation without the branch on
    theta = 0, which `vmap` cannot take (no observation has it)."""
    import jax

    def rotate(rot, x):
        theta = jnp.sqrt(jnp.sum(rot * rot))
        w = rot / theta
        return x * jnp.cos(theta) + jnp.cross(w, x) * jnp.sin(theta) + w * ((1.0 - jnp.cos(theta)) * jnp.dot(w, x))

    one = rebind(project, np=jnp, rodrigues_rotate_point=rotate)

    def objective(cams, points, weights, features, obs):
        proj = jax.vmap(one)(cams[obs[:, 0]], points[obs[:, 1]])
        residual = weights[:, None] * (proj - features)
        return jnp.sum(residual * residual) + jnp.sum((1.0 - weights * weights) ** 2)

    return objective


def numba_primal(numba):
    return njit_module(primal, numba)


NOTES = {"jax": "jax.vmap of `project` over the observations, without the branch on theta = 0",
         "manual": "vectorised over the observations, gradient by hand", "numba": "@njit on the same code"}
SKIP = {"torch": "a Python loop of 31843 observations of small-tensor ops", "autograd": "a Python loop of "
        "31843 observations of small-array ops"}
