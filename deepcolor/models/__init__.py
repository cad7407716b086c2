"""Model registry: `--arch NAME` picks a builder; each builder knows its default encoding."""

import dataclasses

from deepcolor.encodings import get_encoding
# Imported eagerly: importing registers each model class, which `.keras` loading needs.
from deepcolor.models.unet import UNet


@dataclasses.dataclass(frozen=True)
class Arch:
    name: str
    encoding: str        # default target encoding (SPEC)
    description: str
    build: callable      # build(image_size, encoding, **options) -> keras.Model


def _build_unet(image_size, encoding, **options):
    enc = get_encoding(encoding)
    return UNet(image_size=image_size, output_channels=enc.channels,
                output_activation=enc.output_activation, **options)


ARCHS = {a.name: a for a in [
    Arch("unet", "rgb01", "seed 002 U-Net, from scratch, gray -> RGB (3.48 M params at 256x256)",
         _build_unet),
]}


def get_arch(name):
    try:
        return ARCHS[name]
    except KeyError:
        raise SystemExit(f"error: unknown --arch {name!r}; known: {', '.join(ARCHS)}") from None


def build_model(arch, image_size, encoding=None, **options):
    """options go to the model's constructor (e.g. synchronized_bn=True under tf.distribute)."""
    spec = get_arch(arch)
    return spec.build(image_size, encoding or spec.encoding, **options)
