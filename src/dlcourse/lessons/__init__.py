"""The executable course: lesson catalogue, notebook builds, exercise checks and quizzes.

Lessons are Jupytext files under ``lessons/`` (``NN_slug.py`` percent scripts or
``NN_slug.md`` MyST notebooks), one per chapter of the course plan. Exercises live in
``lessons/exercises/<id>/`` (``exercise.yaml``, ``starter.py``, ``solution.py``,
``check.py``) and quizzes in ``lessons/quizzes/chNN.yaml``. Nothing here imports a
framework: lessons run in a Jupyter kernel and exercises in a separate process.
"""
