from dlcourse.cli import run

run()
