"""The VGG19 loader (on a randomly initialised state dict written by the test) and the structural loss."""

from __future__ import annotations

import pytest
import safetensors.torch
import torch

from s2fgan_hf.training.perceptual import StructuralLoss, VGG19PerceptualLoss, build_perceptual_loss

# torchvision vgg19: conv indices of ``features`` (0..34) and classifier shapes.
_CONVS = {0: (64, 3), 2: (64, 64), 5: (128, 64), 7: (128, 128), 10: (256, 128), 12: (256, 256), 14: (256, 256),
          16: (256, 256), 19: (512, 256), 21: (512, 512), 23: (512, 512), 25: (512, 512), 28: (512, 512),
          30: (512, 512), 32: (512, 512), 34: (512, 512)}  # fmt: skip


def random_torchvision_vgg19_state() -> dict[str, torch.Tensor]:
    """A state dict with torchvision's vgg19 keys and shapes (random values), classifier included."""
    g = torch.Generator().manual_seed(0)
    state = {}
    for i, (out_c, in_c) in _CONVS.items():
        state[f"features.{i}.weight"] = torch.randn(out_c, in_c, 3, 3, generator=g) * (2 / (in_c * 9)) ** 0.5
        state[f"features.{i}.bias"] = torch.zeros(out_c)
    for i, (out_f, in_f) in {0: (16, 8), 3: (16, 16), 6: (10, 16)}.items():  # classifier, shrunk: it is ignored
        state[f"classifier.{i}.weight"] = torch.randn(out_f, in_f, generator=g)
        state[f"classifier.{i}.bias"] = torch.zeros(out_f)
    return state


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_vgg19_loads_torchvision_layout_from_file(tmp_path, suffix):
    state = random_torchvision_vgg19_state()
    path = tmp_path / f"vgg19{suffix}"
    if suffix == ".pth":
        torch.save(state, path)
    else:
        safetensors.torch.save_file(state, str(path))
    loss = build_perceptual_loss("auto", str(path))
    assert isinstance(loss, VGG19PerceptualLoss)
    assert torch.equal(loss.slices[0][0].weight, state["features.0.weight"])
    assert torch.equal(loss.slices[4][-2].weight, state["features.28.weight"])  # last conv before relu5_1
    assert not any(p.requires_grad for p in loss.parameters())
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    assert loss(x, x).item() == 0.0
    fake = (x + 0.3 * torch.randn_like(x)).requires_grad_(True)
    value = loss(fake, x)
    value.backward()
    assert value.item() > 0 and fake.grad.abs().sum() > 0
    loss.train()
    assert not loss.training  # frozen network stays in eval mode


def test_vgg19_missing_or_misshaped_weights_are_named(tmp_path):
    state = random_torchvision_vgg19_state()
    del state["features.21.weight"]
    with pytest.raises(ValueError, match="features.21.weight"):
        VGG19PerceptualLoss(state)
    state = random_torchvision_vgg19_state()
    state["features.0.weight"] = torch.zeros(64, 1, 3, 3)
    with pytest.raises(ValueError, match="wrong shapes"):
        VGG19PerceptualLoss(state)
    with pytest.raises(FileNotFoundError):
        build_perceptual_loss("vgg19", str(tmp_path / "nope.pth"))


def test_no_silent_random_vgg():
    with pytest.raises(ValueError, match="needs ImageNet VGG19 weights"):
        build_perceptual_loss("vgg19", None)
    assert isinstance(build_perceptual_loss("auto", None), StructuralLoss)
    assert build_perceptual_loss("none") is None
    with pytest.raises(ValueError, match="one of"):
        build_perceptual_loss("lpips")


def test_structural_loss_is_zero_on_identity_and_grows_with_distortion():
    torch.manual_seed(0)
    loss = StructuralLoss()
    x = torch.nn.functional.interpolate(torch.rand(2, 3, 8, 8) * 2 - 1, size=32, mode="bilinear")  # smooth images
    assert loss(x, x).item() == pytest.approx(0.0, abs=1e-6)
    noise = torch.randn_like(x)
    values = [loss(x + s * noise, x).item() for s in (0.05, 0.2, 0.5)]
    assert 0 < values[0] < values[1] < values[2]
    fake = (x + 0.2 * noise).requires_grad_(True)
    loss(fake, x).backward()
    assert fake.grad.abs().sum() > 0
