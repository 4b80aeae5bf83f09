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
print("exported with torch", torch.__version__)
