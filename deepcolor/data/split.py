"""Deterministic, disjoint train/val/test splits by a seeded hash of each record's group."""

import hashlib
import json

from deepcolor.files import atomic_write_text
from deepcolor.errors import UsageError

SPLITS = ("train", "val", "test")


def parse_fractions(text):
    """'0.8,0.1,0.1' -> (0.8, 0.1, 0.1): three non-negative fractions summing to 1; or
    '5000,500,1000' -> (5000, 500, 1000): exact image counts per split (report 003's CIFAR-10 split)."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise UsageError(f"--split {text!r}: expected three numbers like 0.8,0.1,0.1 or 5000,500,1000") from None
    if len(values) == 3 and min(values) >= 0 and sum(values) > 1 + 1e-6 and all(v.is_integer() for v in values):
        return tuple(int(v) for v in values)
    if len(values) != 3 or min(values) < 0 or abs(sum(values) - 1.0) > 1e-6:
        raise UsageError(f"--split {text!r}: need three fractions (train,val,test) summing to 1, "
                         f"or three whole counts")
    return values


def hash_unit(seed, key):
    """A number in [0, 1) fixed by (seed, key): stable across runs, machines and Python versions."""
    digest = hashlib.sha256(f"{seed}|{key}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def assign_split(record, fractions, seed):
    if record.split == "trainval":  # the source has its own test split: divide the rest
        share = fractions[0] / max(fractions[0] + fractions[1], 1e-12)
        return "train" if hash_unit(seed, record.group) < share else "val"
    if record.split:
        return record.split
    u = hash_unit(seed, record.group)
    if u < fractions[0]:
        return "train"
    return "val" if u < fractions[0] + fractions[1] else "test"


def split_records(records, fractions, seed):
    """{'train': [...], 'val': [...], 'test': [...]}, each in the input order."""
    if all(isinstance(v, int) for v in fractions):
        return split_by_counts(records, fractions, seed)
    out = {name: [] for name in SPLITS}
    for record in records:
        out[assign_split(record, fractions, seed)].append(record)
    return out


def split_by_counts(records, counts, seed):
    """Exact sizes: groups ranked by the seeded hash fill train, then val, then test (a source's own
    splits are kept: its test records only fill test, "trainval" ones only train and val). A group
    never straddles two splits, so a split can exceed its count by the rest of one group."""
    groups = {}
    for record in records:
        groups.setdefault(record.group, []).append(record)
    remaining = dict(zip(SPLITS, counts))
    chosen = {}
    for group in sorted(groups, key=lambda g: (hash_unit(seed, g), g)):
        kind = groups[group][0].split
        options = [kind] if kind in SPLITS else ["train", "val"] if kind == "trainval" else list(SPLITS)
        for name in options:
            if remaining[name] > 0:
                remaining[name] -= len(groups[group])
                chosen[group] = name
                break
    out = {name: [] for name in SPLITS}
    for record in records:
        if record.group in chosen:  # the rest is beyond the requested counts: unused
            out[chosen[record.group]].append(record)
    return out


def write_splits(path, splits, fractions, seed):
    payload = {"seed": seed, "fractions": list(fractions),
               **{name: [r.id for r in splits[name]] for name in SPLITS}}
    atomic_write_text(path, json.dumps(payload, indent=1))
