"""The ADBench LSTM: `l` stacked cells over a 14-bit character sequence, predicting each next
character; the gradient is taken w.r.t. the cell parameters and the input/output weights.

`state` holds each layer's hidden and cell vectors in rows 2i and 2i+1 and is updated in place, as in
ADBench. Peers that cannot differentiate in-place updates (autograd, PyTorch) keep the rows in lists.
"""

from __future__ import annotations

import numpy as np

from bench.data import read_lstm
from bench.workloads import Case

WRT = (0, 1)


def cases() -> list[Case]:
    return [Case(f"lstm-l{layers}-c1024", f"LSTM l={layers} c=1024", "lstm",
                 {"path": f"lstm/lstm_l{layers}_c1024.txt"}, quick=layers == 2) for layers in (2, 4)]


def inputs(path: str) -> tuple:
    return read_lstm(path)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_cell(weight, bias, hidden, cell, x):
    b = hidden.shape[0]
    gates = np.concatenate((x, hidden, x, hidden)) * weight + bias
    forget = sigmoid(gates[0:b])
    ingate = sigmoid(gates[b:2 * b])
    outgate = sigmoid(gates[2 * b:3 * b])
    change = np.tanh(gates[3 * b:])
    cell = cell * forget + ingate * change
    hidden = outgate * np.tanh(cell)
    return hidden, cell


def primal(main_params, extra_params, state, sequence):
    layers = state.shape[0] // 2
    steps, b = sequence.shape
    state = state.copy()
    total = 0.0
    for t in range(steps - 1):
        x = sequence[t] * extra_params[0]
        for i in range(layers):
            hidden, cell = lstm_cell(main_params[2 * i], main_params[2 * i + 1], state[2 * i], state[2 * i + 1], x)
            state[2 * i] = hidden
            state[2 * i + 1] = cell
            x = hidden
        prediction = x * extra_params[1] + extra_params[2]
        normalised = prediction - np.log(np.sum(np.exp(prediction)) + 2.0)
        total += np.sum(sequence[t + 1] * normalised)
    return -total / ((steps - 1) * b)


def list_primal(np_like):
    """The objective with each layer's hidden and cell vectors in Python lists (no in-place update)."""

    def objective(main_params, extra_params, state, sequence):
        layers = state.shape[0] // 2
        steps, b = sequence.shape
        hiddens = [state[2 * i] for i in range(layers)]
        cells = [state[2 * i + 1] for i in range(layers)]
        total = 0.0
        for t in range(steps - 1):
            x = sequence[t] * extra_params[0]
            for i in range(layers):
                gates = np_like.concatenate((x, hiddens[i], x, hiddens[i])) * main_params[2 * i] + main_params[2 * i + 1]
                forget = 1.0 / (1.0 + np_like.exp(-gates[0:b]))
                ingate = 1.0 / (1.0 + np_like.exp(-gates[b:2 * b]))
                outgate = 1.0 / (1.0 + np_like.exp(-gates[2 * b:3 * b]))
                cells[i] = cells[i] * forget + ingate * np_like.tanh(gates[3 * b:])
                hiddens[i] = outgate * np_like.tanh(cells[i])
                x = hiddens[i]
            prediction = x * extra_params[1] + extra_params[2]
            normalised = prediction - np_like.log(np_like.sum(np_like.exp(prediction)) + 2.0)
            total = total + np_like.sum(sequence[t + 1] * normalised)
        return -total / ((steps - 1) * b)

    return objective


def gradient_by_hand(main_params, extra_params, state, sequence):
    """Backpropagation through time written out: a forward sweep keeping every gate, then the
    reverse sweep over time and layers."""
    layers = state.shape[0] // 2
    steps, b = sequence.shape
    hidden = [state[2 * i].copy() for i in range(layers)]
    cell = [state[2 * i + 1].copy() for i in range(layers)]
    saved = []
    for t in range(steps - 1):
        x = sequence[t] * extra_params[0]
        record = []
        for i in range(layers):
            w, bias = main_params[2 * i], main_params[2 * i + 1]
            inp = np.concatenate((x, hidden[i], x, hidden[i]))
            gates = inp * w + bias
            f, g_in, o = (1.0 / (1.0 + np.exp(-gates[j * b:(j + 1) * b])) for j in range(3))
            change = np.tanh(gates[3 * b:])
            previous_cell = cell[i]
            cell[i] = previous_cell * f + g_in * change
            tanh_cell = np.tanh(cell[i])
            hidden[i] = o * tanh_cell
            record.append((inp, f, g_in, o, change, previous_cell, tanh_cell))
            x = hidden[i]
        prediction = x * extra_params[1] + extra_params[2]
        e = np.exp(prediction)
        saved.append((record, x, e / (np.sum(e) + 2.0)))
    scale = -1.0 / ((steps - 1) * b)
    d_main, d_extra = np.zeros_like(main_params), np.zeros_like(extra_params)
    d_hidden = [np.zeros(b) for _ in range(layers)]
    d_cell = [np.zeros(b) for _ in range(layers)]
    for t in range(steps - 2, -1, -1):
        record, top, softmax = saved[t]
        gold = sequence[t + 1]
        d_prediction = scale * (gold - np.sum(gold) * softmax)
        d_extra[1] += d_prediction * top
        d_extra[2] += d_prediction
        d_x = d_prediction * extra_params[1]
        for i in range(layers - 1, -1, -1):
            inp, f, g_in, o, change, previous_cell, tanh_cell = record[i]
            d_h = d_hidden[i] + d_x
            d_c = d_cell[i] + d_h * o * (1.0 - tanh_cell ** 2)
            d_gates = np.concatenate((d_c * previous_cell * f * (1.0 - f), d_c * change * g_in * (1.0 - g_in),
                                      d_h * tanh_cell * o * (1.0 - o), d_c * g_in * (1.0 - change ** 2)))
            d_main[2 * i] += d_gates * inp
            d_main[2 * i + 1] += d_gates
            d_inp = d_gates * main_params[2 * i]
            d_x = d_inp[0:b] + d_inp[2 * b:3 * b]
            d_hidden[i] = d_inp[b:2 * b] + d_inp[3 * b:]
            d_cell[i] = d_c * f
        d_extra[0] += d_x * sequence[t]
    return d_main, d_extra


def torch_primal(torch):
    return list_primal(torch)


def autograd_primal(anp):
    return list_primal(anp)


def jax_primal(jnp, lax):
    def objective(main_params, extra_params, state, sequence):
        layers = state.shape[0] // 2
        steps, b = sequence.shape

        def step(carry, pair):
            hiddens, cells = carry
            current, following = pair
            x = current * extra_params[0]
            new_hiddens, new_cells = [], []
            for i in range(layers):
                gates = jnp.concatenate((x, hiddens[i], x, hiddens[i])) * main_params[2 * i] + main_params[2 * i + 1]
                forget = 1.0 / (1.0 + jnp.exp(-gates[0:b]))
                ingate = 1.0 / (1.0 + jnp.exp(-gates[b:2 * b]))
                outgate = 1.0 / (1.0 + jnp.exp(-gates[2 * b:3 * b]))
                new_cells.append(cells[i] * forget + ingate * jnp.tanh(gates[3 * b:]))
                new_hiddens.append(outgate * jnp.tanh(new_cells[-1]))
                x = new_hiddens[-1]
            prediction = x * extra_params[1] + extra_params[2]
            normalised = prediction - jnp.log(jnp.sum(jnp.exp(prediction)) + 2.0)
            return (tuple(new_hiddens), tuple(new_cells)), jnp.sum(following * normalised)

        start = (tuple(state[2 * i] for i in range(layers)), tuple(state[2 * i + 1] for i in range(layers)))
        _, terms = lax.scan(step, start, (sequence[:-1], sequence[1:]))
        return -jnp.sum(terms) / ((steps - 1) * b)

    return objective


NOTES = {"jax": "lax.scan over time, layers unrolled", "torch": "hidden and cell rows in lists",
         "autograd": "hidden and cell rows in lists"}
