"""The inputs of the chapter general/network.md (a whole network, worked), as plain data.

Imported by the page that works it out and, separately, by the oracle that checks it.
The layers are described the way `python -m derivations worked --network` reads them.

Chosen so that every rule shows: the first convolution (stride 2, padding 1, two output
channels, a bias) produces negative entries and one exact 0 for the ReLU; one max-pooling
window has its maximum twice (PyTorch's tie rule decides where its gradient goes); the
second convolution's output is 2×2, so its padding and the half-turn of its kernel matter
on the way back; residuals are even, so the mean squared error's δ has integer entries;
and one step with the learning rate below lowers the cost.
"""

# One channel, 7×7: with a 3×3 kernel, stride 2 and padding 1 the windows start at rows
# and columns 0, 2, 4, 6 of the padded input and use the padding on every side.
X = (
    (1, 0, 1, -1, -1, 0, 1),
    (0, 0, 0, 1, 1, 1, 0),
    (0, 1, 1, 0, -1, 2, -1),
    (2, 0, 1, -1, 0, 1, 1),
    (0, -1, 0, -1, -1, 0, 0),
    (1, -1, 0, 2, 1, 1, 2),
    (1, 0, 1, 0, 1, 0, 2),
)
# (C_out, C_in, kH, kW) = (2, 1, 3, 3)
W1 = (
    (((0, 0, -1), (0, 1, 0), (-1, -1, -1)),),
    (((0, 1, -1), (0, 1, -1), (0, -1, 0)),),
)
B1 = (1, 0)
STRIDE1 = 2
PADDING1 = 1
POOL = 2  # a 2×2 max pool; its stride defaults to its size
# (C_out, C_in, kH, kW) = (1, 2, 3, 3), padding 1 on a 2×2 map: a 2×2 output
W4 = (
    (((0, 0, -1), (0, 0, 1), (1, 0, 1)),
     ((-1, 0, 0), (0, 0, -1), (-1, 1, 1))),
)
PADDING4 = 1
TARGET = ((6, 0), (0, 0))  # the target, one channel of the output's 2×2
LOSS = "mse"
RATE = (1, 50)  # the learning rate of the gradient-descent step, as a fraction
