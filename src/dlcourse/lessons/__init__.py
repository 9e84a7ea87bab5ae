"""The executable course: lesson catalogue, notebook builds, exercise checks and quizzes.

Lessons are Jupytext files under ``lessons/`` (``NN_slug.py`` percent scripts or
``NN_slug.md`` MyST notebooks), one per chapter of the course plan. An exercise's code is a
lesson cell tagged ``exercise=<id>`` (its starter and solution are generated from it,
:mod:`~dlcourse.lessons.sources`); ``lessons/exercises/<id>/`` holds its ``exercise.yaml`` and
``check.py``, and quizzes are ``lessons/quizzes/chNN.yaml``. The wheel ships the whole folder as
``dlcourse/course``. Nothing here imports a framework: lessons run in a Jupyter kernel and
exercises in a separate process.
"""
