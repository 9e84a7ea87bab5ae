"""A course-style PyTorch CNN for MNIST, written the plain way: ``nn.Module``, torchvision, ``DataLoader``.

The architecture of ``configs/mnist_cnn.yaml``: Conv2d 32 3x3 relu (valid) -> MaxPool 2 ->
Conv2d 64 3x3 relu -> MaxPool 2 -> flatten (1600) -> Dropout 0.5 -> Linear 10 (logits); Adam lr 1e-3
(PyTorch's defaults), cross-entropy, batch 64 shuffled. The data pipeline is the course's
(``course_torch.py``): torchvision's ``datasets.MNIST`` on a local folder, every image through PIL,
``ToTensor`` (``(1, 28, 28) float32`` in [0, 1]) and ``Normalize``, in a ``DataLoader``.

Run by ``bench_cpu.py`` in its own process::

    python benchmarks/course_cnn_torch.py --data DIR --epochs 5 --out result.json

The lines marked ``# bench`` time each epoch, note the first training step, and evaluate the
test split between epochs, outside the timed part; the data root is ``DIR/torchvision``
(``MNIST/raw/*-ubyte``), so ``download=True`` finds the files and downloads nothing.
"""

import sys  # bench
from pathlib import Path  # bench

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench
from common import EpochClock, worker_parser  # noqa: E402  # bench

args = worker_parser("A course-style PyTorch CNN, timed.").parse_args()  # bench
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
class CNN(nn.Module):
    def __init__(self):
        super(CNN, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3)      # (n, 1, 28, 28) -> (n, 32, 26, 26)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)     # (n, 32, 13, 13) -> (n, 64, 11, 11)
        self.pool = nn.MaxPool2d(2)
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(64 * 5 * 5, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))          # (n, 32, 13, 13)
        x = self.pool(torch.relu(self.conv2(x)))          # (n, 64, 5, 5)
        x = torch.flatten(x, 1)                           # (n, 1600)
        x = self.dropout(x)
        return self.fc(x)                                 # (n, 10) logits

model = CNN()
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters())


testset = datasets.MNIST(str(args.data / "torchvision"), train=False, transform=transform)  # bench


def test_accuracy():  # bench: the same transform, outside the timed part
    loader = torch.utils.data.DataLoader(testset, batch_size=1000)
    correct = 0
    model.eval()
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(dim=1) == labels).sum().item()
    model.train()
    return correct / len(testset)


# Entraînement du modèle
model.train()
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
             params=sum(p.numel() for p in model.parameters()),  # bench
             versions={"torch": torch.__version__})  # bench
