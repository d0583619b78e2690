"""ProductDataset / collate / worker seeding with real photos and real DataLoader workers."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader

from skill_aug.dataset import (AugmentCollate, AugmentedBatch, Batch, ProductDataset, Skipped, collate_products,
                               worker_init_fn)
from skill_aug.io import Record
from skill_aug.product import Product
from skill_aug.space import AugmentationSpace, SpaceConfig

SMALL = SpaceConfig(global_size=32, low_size=16, n_low=2, local_size=16, use_head=False)


@pytest.fixture
def records(clothing_images, tmp_path) -> list[Record]:
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    imgs = clothing_images
    return [
        Record(image=imgs[0], product_id="a", labels={"label": "dress"}, boxes={"head": (10, 10, 40, 40)}),
        Record(image=imgs[1], product_id="a", labels={"label": "dress"}),
        Record(image=corrupt, product_id="b"),
        Record(image=imgs[2], product_id="b"),
        Record(image=empty, product_id="c"),
        Record(image=imgs[3], product_id="d"),
    ]


def test_records_are_grouped_decoded_and_prepared(records):
    ds = ProductDataset(records, AugmentationSpace("shirt", SMALL, seed=0), max_side=128)
    assert len(ds) == 4
    a = ds[0]
    assert isinstance(a, Product) and a.product_id == "a" and len(a.photos) == 2
    assert a.labels == {"label": "dress"} and a.boxes[0] == {"head": (10, 10, 40, 40)}
    assert a.located and a.region_source == ["silhouette", "silhouette"]
    assert all(max(p.shape[1:]) <= 128 and p.dtype == torch.uint8 for p in a.photos)
    assert a.paths == [str(records[0].image), str(records[1].image)]


def test_unreadable_images_are_skipped_and_reported(records):
    ds = ProductDataset(records, AugmentationSpace("shirt", SMALL, seed=0), max_side=128)
    b = ds[1]  # one corrupt photo, one good one: the product keeps its good photo
    assert isinstance(b, Product) and len(b.photos) == 1
    assert len(b.skipped) == 1 and "corrupt.jpg" in b.skipped[0]
    c = ds[2]  # its only photo is empty: a marker
    assert isinstance(c, Skipped) and c.product_id == "c" and "empty" in c.reasons[0]
    batch = collate_products([ds[i] for i in range(len(ds))])
    assert isinstance(batch, Batch) and [p.product_id for p in batch.products] == ["a", "b", "d"]
    assert len(batch.skipped) == 2 and all("\n" not in s for s in batch.skipped)
    views = ds.space(batch.products)
    assert views.global_high[0].shape == (3, 3, 32, 32) and views.stats["single_photo"] == 2


def test_products_from_a_sequence(clothing_images):
    from skill_aug.io import read_image

    photo = torch.from_numpy(read_image(clothing_images[0])).permute(2, 0, 1)
    ds = ProductDataset([Product(photos=[photo], product_id="x"), [photo, photo]], AugmentationSpace(None, SMALL))
    assert len(ds) == 2 and ds[0].product_id == "x" and len(ds[1].photos) == 2 and ds[1].located
    unprepared = ProductDataset([Product(photos=[photo])], space=None)[0]
    assert not unprepared.located

    class Lazy:  # like the synthetic catalogue: renders an item when it is asked for
        def __init__(self):
            self.rendered = []

        def __len__(self):
            return 1000

        def __getitem__(self, i):
            self.rendered.append(i)
            return Product(photos=[photo], product_id=str(i))

    lazy = Lazy()
    ds = ProductDataset(lazy, AugmentationSpace(None, SMALL))
    assert len(ds) == 1000 and ds[7].product_id == "7" and lazy.rendered == [7]


def _loader(ds, init):
    return DataLoader(ds, batch_size=2, num_workers=2, collate_fn=collate_products, worker_init_fn=init,
                      generator=torch.Generator().manual_seed(0), multiprocessing_context="fork")


def test_dataloader_workers_get_distinct_streams(clothing_images):
    A = pytest.importorskip("albumentations")
    from skill_aug.tasks import TaskSpec, get_task

    base = get_task("shirt")
    task = TaskSpec(name="shirt_jittered", regions=base.regions, locate=base.locate,
                    cpu_transforms=A.Compose([A.RandomBrightnessContrast(p=1.0)]))
    space = AugmentationSpace(task, SMALL, seed=0)
    records = [Record(image=clothing_images[0], product_id=str(i)) for i in range(4)]
    ds = ProductDataset(records, space, max_side=64)
    # worker 0 gets items 0, 1 and worker 1 items 2, 3: the same photo, so any difference is the stream
    batches = list(_loader(ds, worker_init_fn))
    w0, w1 = batches[0].products[0].photos[0], batches[1].products[0].photos[0]
    assert not torch.equal(w0, w1)
    # without it, forked workers share albumentations' generator and repeat each other
    plain = list(_loader(ds, None))
    assert torch.equal(plain[0].products[0].photos[0], plain[1].products[0].photos[0])
    # a seeded loader repeats itself
    again = list(_loader(ds, worker_init_fn))
    assert torch.equal(again[0].products[0].photos[0], w0)
    # and the main loop augments the collated products
    views = space(batches[0].products + batches[1].products)
    assert views.global_high[0].shape[0] == 4


def test_worker_init_fn_outside_a_worker_is_harmless():
    worker_init_fn(0)
    assert collate_products([]).products == []


def _augment_loader(ds, space, workers=2, seed=0, **kw):
    return DataLoader(ds, batch_size=2, num_workers=workers, collate_fn=AugmentCollate(space, **kw),
                      worker_init_fn=worker_init_fn, generator=torch.Generator().manual_seed(seed),
                      multiprocessing_context="fork" if workers else None)


def test_augment_collate_augments_inside_the_workers(clothing_images):
    space = AugmentationSpace("shirt", SMALL, seed=0)
    records = [Record(image=clothing_images[0], product_id=str(i), labels={"label": "x"}) for i in range(4)]
    ds = ProductDataset(records, space, max_side=96)
    batches = list(_augment_loader(ds, space))
    assert [type(b) for b in batches] == [AugmentedBatch, AugmentedBatch]
    b0, b1 = batches
    assert b0.product_ids == ["0", "1"] and b1.labels == [{"label": "x"}] * 2 and len(b0) == 2
    assert [v.shape for v in b0.views.global_high] == [(2, 3, 32, 32)] * 2
    assert list(b0.views.local) == ["neck", "sleeve_left", "sleeve_right"] and b0.views.params is None
    # the same photo in both workers: different views (each worker has its own stream) ...
    assert not torch.equal(b0.views.global_high[0], b1.views.global_high[0])
    # ... and a loader with the same seed repeats them, with another seed it does not
    again = list(_augment_loader(ds, space))
    assert torch.equal(again[1].views.global_low[0], b1.views.global_low[0])
    other = list(_augment_loader(ds, space, seed=1))
    assert not torch.equal(other[1].views.global_low[0], b1.views.global_low[0])


def test_augment_collate_in_the_main_process_keeps_params(clothing_images):
    space = AugmentationSpace("shirt", SMALL, seed=0)
    ds = ProductDataset([Record(image=p, product_id=p.name) for p in clothing_images[:3]], space, max_side=96)
    (first, second) = list(_augment_loader(ds, space, workers=0, keep_params=True))
    assert first.views.params is not None and len(second) == 1
    replay = space([ds[0], ds[1]], params=first.views.params)
    assert torch.equal(replay.global_high[1], first.views.global_high[1])


def test_augment_collate_needs_a_cpu_space():
    from types import SimpleNamespace

    from skill_aug.errors import ConfigError

    with pytest.raises(ConfigError, match="needs a CPU space"):
        AugmentCollate(SimpleNamespace(device=torch.device("cuda")))


class _SharedProbe(torch.utils.data.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        from skill_aug.space import _new_output

        return _new_output((2, 3, 4, 4), torch.device("cpu")).is_shared()


def test_views_made_in_a_worker_are_born_in_shared_memory():
    """In a worker the view batches are allocated in shared memory, so sending them to the main process
    copies nothing (as default_collate does); in the main process they are ordinary tensors."""
    from skill_aug.space import _new_output

    loader = DataLoader(_SharedProbe(), batch_size=None, num_workers=1, multiprocessing_context="fork")
    assert list(loader) == [True, True]
    assert not _new_output((2, 3, 4, 4), torch.device("cpu")).is_shared()


def test_warm_detection_cache_brings_the_workers_detections_home(clothing_images):
    """Heads found in DataLoader workers are handed to the main process, so workers forked later (the next
    epoch's) find every head in the cache and detect nothing again."""
    from skill_aug.dataset import _take_detections, warm_detection_cache
    from skill_aug.detect import cache

    space = AugmentationSpace("shirt", SpaceConfig(global_size=32, low_size=16, n_low=1, local_size=16), seed=0)
    assert space.uses_head
    ds = ProductDataset([Record(image=p, product_id=p.name) for p in clothing_images[:4]], space, max_side=128)
    cache.clear()
    try:
        assert warm_detection_cache(ds, workers=2, batch_size=2, progress=False) == 4
        assert len(cache) == 4 and cache.take_new() == []
        later = DataLoader(ds, batch_size=2, num_workers=2, collate_fn=_take_detections, multiprocessing_context="fork")
        assert [len(new) for new in later] == [0, 0]  # nothing detected again
    finally:
        cache.clear()
