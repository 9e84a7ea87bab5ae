"""The training room: learners' check results on the trainer's dashboard.

``dlcourse classroom serve`` (trainer) runs :mod:`dlcourse.classroom.server` (Starlette, uvicorn,
SQLite through :mod:`dlcourse.classroom.store`); ``dlcourse classroom join`` (learner) stores a
membership read by :mod:`dlcourse.classroom.client`, which sends each check's result, and only that
(exercise, pass/fail, the French hints shown, seconds, framework), through an on-disk queue.

:mod:`dlcourse.classroom.schema` and :mod:`dlcourse.classroom.client` use the standard library only;
Starlette and uvicorn are imported by the server alone (the ``classroom`` extra).
"""
