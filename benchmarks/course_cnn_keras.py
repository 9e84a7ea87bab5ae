"""A course-style Keras CNN for MNIST, written the plain way: ``Sequential``, ``compile``, ``fit``.

The architecture of ``configs/mnist_cnn.yaml``: Conv2D 32 3x3 relu (valid) -> MaxPooling2D 2 ->
Conv2D 64 3x3 relu -> MaxPooling2D 2 -> Flatten (1600) -> Dropout 0.5 -> Dense 10 softmax; Adam
(Keras' defaults: lr 1e-3, epsilon 1e-7), sparse categorical cross-entropy, accuracy metric,
``fit`` with batch 64 (shuffled, progress bar). The inputs are prepared as the course's MLP example
prepares them (``course_keras.py``): ``/ 255.0`` (float64), plus the channel axis a ``Conv2D`` needs:
``(n, 28, 28, 1)``.

Run by ``bench_cpu.py`` in its own process::

    python benchmarks/course_cnn_keras.py --data DIR --epochs 5 --out result.json

The arrays come from the local IDX files in ``DIR/idx`` (as ``keras.datasets.mnist.load_data()``
gives them: ``(n, 28, 28) uint8``, ``(n,) uint8``). ``fit`` gets one callback, marked ``# bench``,
that times each epoch, notes the first training step and evaluates the test split between
epochs, outside the timed part; it declares itself ``async_safe`` so that it does not change how
Keras dispatches its batch callbacks.
"""

import os  # bench
import sys  # bench
from pathlib import Path  # bench

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench
from common import EpochClock, load_arrays, worker_parser  # noqa: E402  # bench

args = worker_parser("A course-style Keras CNN, timed.").parse_args()  # bench
clock = EpochClock(args, "course", "tensorflow", batch_size=64)  # bench
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # bench

import tensorflow as tf  # noqa: E402
from tensorflow import keras  # noqa: E402

keras.utils.set_random_seed(args.seed)  # bench

# Chargement des données
(train_images, train_labels), (test_images, test_labels) = load_arrays(args.data)  # bench: instead of keras.datasets.mnist.load_data()

# Normalisation des données, et l'axe des canaux : (n, 28, 28) -> (n, 28, 28, 1)
train_images = train_images.reshape(-1, 28, 28, 1) / 255.0
test_images = test_images.reshape(-1, 28, 28, 1) / 255.0

# Construction du modèle
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    keras.layers.Conv2D(32, (3, 3), activation='relu'),
    keras.layers.MaxPooling2D((2, 2)),
    keras.layers.Conv2D(64, (3, 3), activation='relu'),
    keras.layers.MaxPooling2D((2, 2)),
    keras.layers.Flatten(),
    keras.layers.Dropout(0.5),
    keras.layers.Dense(10, activation='softmax')
])

# Compilation du modèle
model.compile(optimizer='adam',
              loss='sparse_categorical_crossentropy',
              metrics=['accuracy'])


def test_accuracy(model):  # bench: the test split, outside the timed part
    probs = [model(test_images[i:i + 2000], training=False) for i in range(0, len(test_images), 2000)]
    return float((tf.argmax(tf.concat(probs, 0), axis=1).numpy() == test_labels).mean())


# Entraînement du modèle
model.fit(train_images, train_labels, batch_size=64, epochs=args.epochs, callbacks=[clock.keras_callback(test_accuracy)])  # bench: epochs, callbacks

clock.finish(n_train=len(train_images), n_test=len(test_images),  # bench
             threads=tf.config.threading.get_intra_op_parallelism_threads(), params=model.count_params(),  # bench
             versions={"tensorflow": tf.__version__, "keras": keras.__version__})  # bench
