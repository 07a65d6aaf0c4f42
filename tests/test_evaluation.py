"""Evaluation metrics and the harness, on a tiny random model and classifier."""

from __future__ import annotations

import math

import torch

from s2fgan_hf.evaluation import AttributeClassifier, frechet_distance, kernel_inception_distance, l1, psnr, ssim
from s2fgan_hf.evaluation.grids import attribute_sweep_grid
from s2fgan_hf.evaluation.harness import evaluate, results_to_markdown


def test_metric_identities():
    x = torch.rand(3, 3, 16, 16) * 2 - 1
    assert torch.allclose(l1(x, x), torch.zeros(3))
    assert torch.allclose(ssim(x, x), torch.ones(3), atol=1e-5)
    assert (psnr(x, x) > 90).all()
    half = x / 2  # in [-0.5, 0.5], so +0.1 never clips
    expected = torch.full((3,), 10 * math.log10(4 / 0.01))
    assert torch.allclose(psnr(half, half + 0.1), expected, atol=1e-3)
    assert (ssim(x, torch.rand_like(x)) < 0.5).all()


def test_frechet_distance_and_kid():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(400, 8, generator=g)
    b = torch.randn(400, 8, generator=g)
    shifted = b + 1.0  # mean shift of 1 in 8 dims -> FD close to 8
    assert frechet_distance(a, b) < 0.5
    assert 7.0 < frechet_distance(a, shifted) < 9.5
    kid_same, _ = kernel_inception_distance(a, b, subset_size=100)
    kid_diff, _ = kernel_inception_distance(a, shifted, subset_size=100)
    assert abs(kid_same) < 0.1 < kid_diff


def test_harness_runs_and_reports(tiny_model, stroke_sketch):
    torch.manual_seed(0)
    classifier = AttributeClassifier(image_size=32, channels=(8, 16), embed_dim=16).eval()
    photos = torch.rand(6, 3, 32, 32) * 2 - 1
    sketches = stroke_sketch.expand(6, -1, -1, -1).clone()
    sketches[3:, ..., 16, :] = -1  # two kinds of sketches
    batches = [{"image": photos[:3], "sketch": sketches[:3]}, {"image": photos[3:], "sketch": sketches[3:]}]
    res = evaluate(
        tiny_model, classifier, batches, attributes=["Smiling", "Male"], strengths=(-2.0, 2.0), progress=False
    )
    assert res["num_images"] == 6
    rec = res["reconstruction"]
    assert set(rec) == {"from_sketch", "from_photo", "mean_face_baseline"}
    assert 0 <= rec["from_sketch"]["l1"] <= 2
    assert set(res["editing"]["Smiling"]) == {"+0", "-2", "+2"}
    assert 0 <= res["editing"]["Male"]["+2"]["others_unchanged"] <= 1
    assert 0 <= res["editing"]["Male"]["+0"]["real_photo_present_rate"] <= 1
    assert all(0 <= e["mean_probability"] <= 1 for e in res["editing"]["Smiling"].values())
    assert res["editing"]["Smiling"]["+2"]["cycle_error"] < 1e-5  # DIS edits are additive: the cycle is exact
    assert res["editing"]["Smiling"]["+2"]["latent_move"] > 0
    assert set(res["realism_edited"]) == {"-2", "+2"} and res["realism_edited"]["+2"]["sharpness"] > 0
    for s in ("-2", "+2"):  # 6 photos: too few of either class for a distance to the photos of the asked value
        entry = res["editing"]["Male"][s]
        assert math.isnan(entry["target_frechet_distance"]) and 0 <= entry["target_photos"] <= 6
    assert res["editing"]["Male"]["-2"]["target_photos"] + res["editing"]["Male"]["+2"]["target_photos"] == 6
    assert "FD to target photos" in results_to_markdown(res)
    dec = tiny_model.with_editor("dec")
    torch.manual_seed(1)
    for p in dec.attribute_mapping.parameters():
        torch.nn.init.normal_(p, std=0.5)  # an untrained, non-identity M: its cycle is far from exact
    res_dec = evaluate(dec, classifier, batches, attributes=["Smiling"], strengths=(2.0,), progress=False)
    assert res_dec["editing"]["Smiling"]["+2"]["cycle_error"] > 1e-3
    md = results_to_markdown(res)
    assert "cycle error" in md
    assert "| Smiling | +2 |" in md and "mean face" in md and "| attribute | real photos |" in md
    grid = attribute_sweep_grid(tiny_model, sketches[:2], ["Smiling"], photos=photos[:2], cell=32)
    assert grid.size == (32 * 5, 2 * 32 + 12)


def test_classifier_round_trip(tmp_path):
    torch.manual_seed(0)
    c = AttributeClassifier(attribute_names=["Smiling", "Male"], image_size=32, channels=(8, 16), embed_dim=16)
    c.save_pretrained(tmp_path)
    c2 = AttributeClassifier.from_pretrained(tmp_path)
    x = torch.rand(2, 3, 40, 40)
    assert c2.attribute_names == ("Smiling", "Male")
    assert torch.equal(c.eval()(x), c2(x))


def test_edit_realism_is_measured_against_the_photos_of_the_asked_value(tiny_model, stroke_sketch, monkeypatch):
    """``target_frechet_distance``: the faces edited to +a against the photos the classifier sees the attribute on,
    to -a against the others (the pooled distance to every photo grows with a successful edit)."""
    import s2fgan_hf.evaluation.harness as harness

    monkeypatch.setattr(harness, "MIN_TARGET_PHOTOS", 1)
    torch.manual_seed(0)
    classifier = AttributeClassifier(image_size=32, channels=(8, 16), embed_dim=16).eval()
    photos = torch.rand(8, 3, 32, 32) * 2 - 1
    batches = [{"image": photos, "sketch": stroke_sketch.expand(8, -1, -1, -1).clone()}]
    res = evaluate(tiny_model, classifier, batches, attributes=["Male"], strengths=(-2.0, 2.0), progress=False)
    real = classifier.features(photos)
    present = torch.sigmoid(classifier.head(real))[:, classifier.select(["Male"])[0]] > 0.5
    for s, target in (("+2", present), ("-2", ~present)):
        entry = res["editing"]["Male"][s]
        assert entry["target_photos"] == int(target.sum())
        if entry["target_photos"] >= 2:
            edited = tiny_model.decode(
                tiny_model.edit(tiny_model.encode_sketch(batches[0]["sketch"]), {"Male": float(s)})
            )
            expected = frechet_distance(real[target], classifier.features(edited.clamp(-1, 1)))
            assert abs(entry["target_frechet_distance"] - expected) < 1e-3 * max(1.0, expected)
