"""Exports the TorchScript fixtures that the harness's tests and README commands use.

Run with Debian's python3-torch (1.13):  python3 export_blocks.py
The .pt files are committed, so CI tests the Python-to-Java path without Python at test time.
"""
import torch


class PreActConv(torch.nn.Module):
    """A pre-activation residual function over one half of 4 channels: BN -> ReLU -> 3x3 conv."""

    def __init__(self, channels: int, out_channels: int):
        super().__init__()
        self.bn = torch.nn.BatchNorm2d(channels)
        self.conv = torch.nn.Conv2d(channels, out_channels, 3, padding=1, bias=False)

    def forward(self, x):
        return self.conv(torch.relu(self.bn(x)))


class Gated(torch.nn.Module):
    """A gated unit: conv(x) * sigmoid(conv'(x)), without normalisation."""

    def __init__(self, channels: int):
        super().__init__()
        self.value = torch.nn.Conv2d(channels, channels, 3, padding=1)
        self.gate = torch.nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        return self.value(x) * torch.sigmoid(self.gate(x))


class Noisy(torch.nn.Module):
    """Dropout inside a script draws from LibTorch's default generator: not replayable."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = torch.nn.Conv2d(channels, channels, 3, padding=1)
        self.drop = torch.nn.Dropout(0.5)

    def forward(self, x):
        return self.drop(self.conv(x))


class DropoutPreAct(torch.nn.Module):
    """BN -> ReLU -> dropout -> 3x3 conv: random ops inside a script, replayed by the harness."""

    def __init__(self, channels: int, p: float):
        super().__init__()
        self.bn = torch.nn.BatchNorm2d(channels)
        self.drop = torch.nn.Dropout(p)
        self.conv = torch.nn.Conv2d(channels, channels, 3, padding=1, bias=False)

    def forward(self, x):
        return self.conv(self.drop(torch.relu(self.bn(x))))


class NoisyGaussian(torch.nn.Module):
    """A conv with multiplicative Gaussian noise from randn_like in training: another random op from the default generator
    (multiplicative, so the noise reaches the gradients even where the input is exact, as in checkpoint mode)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = torch.nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        y = self.conv(x)
        if self.training:
            y = y * (1 + 0.1 * torch.randn_like(y))
        return y


class Stateful(torch.nn.Module):
    """Counts its calls in a buffer and scales by the count: not a function of its input, whatever the random state."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = torch.nn.Conv2d(channels, channels, 3, padding=1)
        self.register_buffer("calls", torch.zeros(1))

    def forward(self, x):
        self.calls += 1
        return self.conv(x) * self.calls


class Parameterless(torch.nn.Module):
    def forward(self, x):
        return torch.tanh(x)


torch.manual_seed(0)
torch.jit.script(PreActConv(4, 4)).save("preact-f.pt")
torch.jit.script(Gated(4)).save("gated-g.pt")
torch.jit.script(PreActConv(4, 6)).save("widening.pt")
torch.jit.script(Noisy(4)).save("noisy.pt")
torch.jit.script(Parameterless()).save("parameterless.pt")
# 24-channel halves (shape 4,48,16,16): the channel count whose float32 convolution oneDNN computes wrongly on contiguous
# tensors on an AVX-512 CPU without AMX (EPYC family 26); the kernel audit routes it (docs/kernels.md).
torch.jit.script(PreActConv(24, 24)).save("preact24-f.pt")
torch.jit.script(PreActConv(24, 24)).save("preact24-g.pt")
torch.jit.script(DropoutPreAct(4, 0.25)).save("dropout-f.pt")
torch.jit.script(NoisyGaussian(4)).save("gaussian-g.pt")
torch.jit.script(Stateful(4)).save("stateful.pt")
print("exported with torch", torch.__version__)
