"""Evaluation: metrics, the project's attribute classifier, and the ``s2fgan evaluate`` harness."""

from .attribute_classifier import AttributeClassifier
from .metrics import frechet_distance, kernel_inception_distance, l1, psnr, ssim

__all__ = ["AttributeClassifier", "frechet_distance", "kernel_inception_distance", "l1", "psnr", "ssim"]
