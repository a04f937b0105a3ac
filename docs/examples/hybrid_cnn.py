"""A hybrid network: a fixed scattering front end followed by a small trained CNN.

Oyallon, Belilovsky & Zagoruyko ("Scaling the scattering transform: deep hybrid
networks", ICCV 2017) replace the first layers of a CNN by a 2D scattering transform
with J=2: the 28x28 digit becomes 81 channels of 7x7 (order 0, 8 orientations x 2
scales at order 1, and 48 order-2 paths), which a few learned convolutions classify.
The scattering has no trainable parameters (its filters are buffers), so gradients
flow only into the CNN, and the scattering of the training digits is computed once
and reused across epochs (the test accuracy is measured end to end, image -> label).

Trained here on the 10,000-digit MNIST sample bundled with scatkit (8,000 train,
2,000 test, shuffled and stratified).

Run:  python docs/examples/hybrid_cnn.py [--epochs N] [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

import scatkit.torch
from scatkit.datasets import load_mnist

#: channels of the learned convolutions
WIDTH = 64


class ScatteringCNN(nn.Module):
    """Scattering2D(J=2) -> log -> BatchNorm -> 2 conv blocks -> linear classifier."""

    def __init__(self, shape=(28, 28), J=2, L=8, n_classes=10, width=WIDTH, eps=1e-6):
        super().__init__()
        self.scattering = scatkit.torch.Scattering2D(J=J, shape=shape, L=L)
        channels, h, w = self.scattering.output_shape()
        self.eps = eps
        self.net = nn.Sequential(
            nn.BatchNorm2d(channels),
            nn.Conv2d(channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(width * h * w, n_classes))

    def features(self, x):
        """log(|S x| + eps); the modulus because order 0 (a local average) may dip below 0."""
        return torch.log(self.scattering(x).abs() + self.eps)

    def forward(self, x):  # x: (batch, 28, 28)
        return self.net(self.features(x))


def split(labels, n_test, seed):
    """Stratified shuffled split of indices (the sample is grouped by class)."""
    rng = np.random.default_rng(seed)
    test = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[: n_test // 10]
                           for c in range(10)])
    train = rng.permutation(np.setdiff1d(np.arange(labels.size), test))
    return train, test


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--quick", action="store_true", help="2000 training digits, 2 epochs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)

    images, labels = load_mnist()
    X = torch.from_numpy(images.astype(np.float32) / 255.0)
    y = torch.from_numpy(labels)
    train, test = split(labels, 2000, args.seed)
    epochs = args.epochs
    if args.quick:
        train, epochs = train[:2000], 2

    model = ScatteringCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=4e-3, epochs=epochs,
                                                    steps_per_epoch=-(-train.size // 128))
    start = time.perf_counter()
    with torch.no_grad():  # fixed front end: scatter the training digits once
        features = torch.cat([model.features(X[train[i:i + 500]]) for i in range(0, train.size, 500)])
    print(f"scattering of {train.size} digits: {time.perf_counter() - start:.0f} s")
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(train.size)
        for i in range(0, order.numel(), 128):
            batch = order[i:i + 128]
            loss = nn.functional.cross_entropy(model.net(features[batch]), y[train][batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
        model.eval()
        with torch.no_grad():
            predicted = torch.cat([model(X[test[i:i + 500]]).argmax(1) for i in range(0, test.size, 500)])
        accuracy = (predicted == y[test]).float().mean().item()
        print(f"epoch {epoch + 1}/{epochs}: last batch loss {loss.item():.3f}, "
              f"test accuracy {100 * accuracy:.2f}% ({time.perf_counter() - start:.0f} s)")
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"hybrid scattering+CNN: {100 * accuracy:.2f}% on {test.size} held-out digits, "
          f"{train.size} training digits, {n_params} trained parameters")


if __name__ == "__main__":
    main()
