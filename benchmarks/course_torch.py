"""The course's PyTorch classification example (formation-plan.md, chapter 6.2), as written.

Run by ``bench_cpu.py`` in its own process::

    python benchmarks/course_torch.py --data DIR --epochs 5 --out result.json

Changes to the course's code, and nothing else:

- the data root is ``DIR/torchvision``, a local folder in torchvision's MNIST layout
  (``MNIST/raw/*-ubyte``), so ``download=True`` finds the files and downloads nothing;
  every image still goes through PIL, ``ToTensor`` and ``Normalize`` in the ``DataLoader``
  (batch 64, shuffled);
- the number of epochs comes from ``--epochs`` (5 in the course) and the generators are seeded;
- the lines marked ``# bench`` time each epoch, note the first training step, and evaluate the
  test split between epochs, outside the timed part.
"""

import sys  # bench
from pathlib import Path  # bench

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench
from common import EpochClock, worker_parser  # noqa: E402  # bench

args = worker_parser("The course's PyTorch classification example, timed.").parse_args()  # bench
clock = EpochClock(args, "course", "torch", batch_size=64)  # bench

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.optim as optim  # noqa: E402
from torchvision import datasets, transforms  # noqa: E402

torch.manual_seed(args.seed)  # bench

# Chargement des données
transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize((0.5,), (0.5,))
])
trainset = datasets.MNIST(str(args.data / "torchvision"), train=True, download=True, transform=transform)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)

# Définition du modèle
class SimpleNN(nn.Module):
    def __init__(self):
        super(SimpleNN, self).__init__()
        self.fc1 = nn.Linear(28*28, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.view(-1, 28*28)
        x = torch.relu(self.fc1(x))
        return self.fc2(x)

model = SimpleNN()
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters())


testset = datasets.MNIST(str(args.data / "torchvision"), train=False, transform=transform)  # bench


def test_accuracy():  # bench: the same transform, outside the timed part
    loader = torch.utils.data.DataLoader(testset, batch_size=1000)
    correct = 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(dim=1) == labels).sum().item()
    return correct / len(testset)


# Entraînement du modèle
for epoch in range(args.epochs):
    clock.epoch_start()  # bench
    for images, labels in trainloader:
        optimizer.zero_grad()
        output = model(images)
        loss = criterion(output, labels)
        loss.backward()
        optimizer.step()
        clock.step()  # bench: records the first step only
    clock.epoch_end(test_accuracy)  # bench

clock.finish(n_train=len(trainset), n_test=len(testset), threads=torch.get_num_threads(),  # bench
             versions={"torch": torch.__version__})  # bench
