"""The course's TensorFlow/Keras classification example (formation-plan.md, chapter 6.2), as written.

Run by ``bench_cpu.py`` in its own process::

    python benchmarks/course_keras.py --data DIR --epochs 5 --out result.json

Changes to the course's code, and nothing else:

- the arrays come from the local IDX files in ``DIR/idx`` instead of
  ``keras.datasets.mnist.load_data()`` (same shapes and dtypes: ``(n, 28, 28) uint8``, ``(n,) uint8``);
- the number of epochs comes from ``--epochs`` (5 in the course) and the generators are seeded;
- ``fit`` gets one callback that times each epoch, notes the first training step and evaluates
  the test split between epochs, outside the timed part. It declares itself ``async_safe`` so
  that it does not change how Keras dispatches its batch callbacks. Everything else (batch 32 by
  default, the progress bar, float64 inputs from ``/ 255.0``) is the course's.
"""

import os  # bench
import sys  # bench
from pathlib import Path  # bench

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench
from common import EpochClock, load_arrays, worker_parser  # noqa: E402  # bench

args = worker_parser("The course's Keras classification example, timed.").parse_args()  # bench
clock = EpochClock(args, "course", "tensorflow", batch_size=32)  # bench
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # bench

import tensorflow as tf  # noqa: E402
from tensorflow import keras  # noqa: E402

keras.utils.set_random_seed(args.seed)  # bench

# Chargement des données
(train_images, train_labels), (test_images, test_labels) = load_arrays(args.data)  # bench: instead of keras.datasets.mnist.load_data()

# Normalisation des données
train_images = train_images / 255.0
test_images = test_images / 255.0

# Construction du modèle
model = keras.Sequential([
    keras.layers.Flatten(input_shape=(28, 28)),
    keras.layers.Dense(128, activation='relu'),
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
model.fit(train_images, train_labels, epochs=args.epochs, callbacks=[clock.keras_callback(test_accuracy)])  # bench: epochs, callbacks

clock.finish(n_train=len(train_images), n_test=len(test_images),  # bench
             threads=tf.config.threading.get_intra_op_parallelism_threads(),  # bench
             versions={"tensorflow": tf.__version__, "keras": keras.__version__})  # bench
