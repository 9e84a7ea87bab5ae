"""``dlcourse classroom serve|join|leave|status|bundle|verify``: the training room and its offline bundle.

Only the standard library is imported here; the server's packages (Starlette, uvicorn, qrcode: the
``classroom`` extra) are imported by ``serve`` when it runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("classroom", help="the training room: learners' check results on the trainer's dashboard",
                              description="The trainer runs 'serve' on their laptop; each learner runs 'join' once, "
                                          "then every 'dlcourse check' sends its result (exercise, pass/fail, hints, "
                                          "seconds, framework; never code or data) to the trainer's dashboard.")
    sub = p.add_subparsers(dest="classroom_command", metavar="ACTION")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    q = sub.add_parser("serve", help="start the training room's server and dashboard (trainer)",
                       description="Serve the training room: print the join code, a QR code of the learners' page "
                                   "and the dashboard's address (with the trainer's token). Stop with Ctrl-C; "
                                   "starting again with the same --db resumes the same session.")
    q.add_argument("--host", default="0.0.0.0",
                   help="address to listen on (default 0.0.0.0: every network of this laptop; "
                        "127.0.0.1: this laptop only)")
    q.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    q.add_argument("--db", type=Path, default=None,
                   help="the session's SQLite file (default: salle.sqlite3 in the user's data folder)")
    q.add_argument("--new", action="store_true",
                   help="start a new session (new code and tokens); the previous file is kept beside it, renamed")
    q.add_argument("--no-qr", action="store_true", help="do not draw the QR code")
    q.set_defaults(func=_cmd_serve)

    q = sub.add_parser("join", help="send this laptop's check results to the trainer (learner)",
                       description="Join the training room with the code shown by the trainer; from then on each "
                                   "'dlcourse check' result is sent (queued on disk while the server is unreachable).")
    q.add_argument("code", metavar="CODE", help="the join code shown by the trainer, e.g. K7P-Q2MX")
    q.add_argument("--name", required=True, help="your name as the trainer will see it (1 to 40 characters)")
    q.add_argument("--server", default=None,
                   help="the server's address shown by the trainer, e.g. http://192.168.1.20:8765 "
                        "(default: $DLCOURSE_CLASSROOM_SERVER, else http://127.0.0.1:8765)")
    q.set_defaults(func=_cmd_join)

    q = sub.add_parser("leave", help="stop sending results (the queue is sent first)")
    q.set_defaults(func=_cmd_leave)

    q = sub.add_parser("status", help="whether this laptop has joined a room, and the results waiting to be sent")
    q.set_defaults(func=_cmd_status)

    q = sub.add_parser("bundle", help="write everything the learners' laptops need offline into a folder (trainer)",
                       description="Write into DIR (a new folder, e.g. on a USB key) the student build of the course "
                                   "with its slides, plan and glossary, the cached datasets and pretrained weights, "
                                   "the dlcourse wheel, installers for Linux/macOS and Windows, the trainer's notes "
                                   "(LISEZMOI.md) and a manifest of every file's SHA-256. Its size is announced and "
                                   "checked against the free disk first; nothing is left half-written.")
    q.add_argument("dir", metavar="DIR", type=Path, help="the folder to write (must not exist yet, or be empty)")
    q.add_argument("--fast", action="store_true", help="execute the lessons in fast mode (FAST = True)")
    q.add_argument("--no-execute", action="store_true",
                   help="write the notebooks without running them (no outputs; the fastest)")
    q.add_argument("--lessons-from", metavar="BUILD_DIR", type=Path, default=None,
                   help="copy this student build (from 'dlcourse lessons build --student') instead of building "
                        "the course; a trainer build is refused")
    q.add_argument("--wheel", metavar="FILE", type=Path, default=None,
                   help="the dlcourse wheel to ship (default: built from the source checkout dlcourse runs from)")
    q.add_argument("--with-wheels", action="store_true",
                   help="also ship the wheels of every dependency (downloaded now: needs internet; several GB), "
                        "so that the laptops install without internet")
    q.set_defaults(func=lambda a: __import__("dlcourse.classroom.bundle", fromlist=["cmd_bundle"]).cmd_bundle(a))

    q = sub.add_parser("verify", help="check a bundle's files against its manifest (missing, altered, extra)",
                       description="Hash every file of the bundle DIR again and compare with its manifest.json: "
                                   "one table of the missing, altered and extra files. Exit code 0 when intact, "
                                   "1 when not.")
    q.add_argument("dir", metavar="DIR", help="the folder written by 'dlcourse classroom bundle'")
    q.set_defaults(func=lambda a: __import__("dlcourse.classroom.bundle", fromlist=["cmd_verify"]).cmd_verify(a))


def _server_default() -> str:
    from dlcourse.classroom.client import DEFAULT_SERVER

    return os.environ.get("DLCOURSE_CLASSROOM_SERVER") or DEFAULT_SERVER


def _lan_address() -> str:
    """This laptop's address on its network (no packet is sent), else 127.0.0.1."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.254.254.254", 1))
            return s.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def _default_db() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("dlcourse")) / "classroom-server" / "salle.sqlite3"


def _cmd_serve(args) -> int:
    import importlib.util
    import socket
    import time

    from dlcourse.errors import UserError

    missing = [m for m in ("starlette", "uvicorn", "qrcode") if importlib.util.find_spec(m) is None]
    if missing:
        raise UserError(f"the training room server needs {', '.join(missing)}, not installed for {sys.executable}.",
                        f"Install the classroom extra: {sys.executable} -m pip install -e '.[classroom]' "
                        "(or 'pip install dlcourse[classroom]').")
    if not 0 < args.port < 65536:
        raise UserError(f"--port must be between 1 and 65535, got {args.port}.", "Use e.g. --port 8765.")
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((args.host, args.port))
        except OSError as exc:
            raise UserError(f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc}).",
                            "Choose another --port, or an address of this laptop with --host "
                            "(0.0.0.0 for every network).") from None
    db = args.db or _default_db()
    if args.new and db.exists():
        kept = db.with_name(f"{db.stem}-{time.strftime('%Y%m%d-%H%M%S')}{db.suffix}")
        for suffix in ("", "-wal", "-shm"):
            old = Path(str(db) + suffix)
            if old.exists():
                old.rename(Path(str(kept) + suffix))
        print(f"Session précédente gardée dans {kept}")

    from dlcourse.classroom.server import serve
    from dlcourse.classroom.store import Store

    try:
        store = Store(db)
        code, trainer, resumed = store.session()
    except Exception as exc:            # sqlite3.DatabaseError and OSError: a file that is not a session
        raise UserError(f"cannot use '{db}' as the training room's file ({exc}).",
                        "Give another file with --db, or start a new session with --new.") from None
    public = _lan_address() if args.host in ("0.0.0.0", "::", "") else args.host
    host_url = f"[{public}]" if ":" in public else public
    local = "127.0.0.1" if args.host in ("0.0.0.0", "") else ("::1" if args.host == "::" else args.host)
    local_url = f"[{local}]" if ":" in local else local
    learners = f"http://{host_url}:{args.port}"
    dashboard = f"http://{local_url}:{args.port}/dashboard?token={trainer}"
    print(("Session reprise" if resumed else "Nouvelle session") + f" ({db})")
    print(f"Code de la salle : {code}")
    print(f"Apprenants : dlcourse classroom join {code} --name PRÉNOM --server {learners}")
    if not args.no_qr:
        import qrcode

        qr = qrcode.QRCode(border=1)
        qr.add_data(f"{learners}/?code={code}")
        qr.print_ascii(out=sys.stdout)
        print(f"(le QR code ouvre {learners}/?code={code} : la commande à taper)")
    print(f"Tableau de bord (formateur, lien secret) : {dashboard}")
    print(f"Export CSV en fin de journée : http://{local_url}:{args.port}/export.csv?token={trainer}")
    print("Ctrl-C arrête le serveur ; relancer la même commande reprend la session.", flush=True)
    try:
        serve(store, args.host, args.port)
    except KeyboardInterrupt:
        pass
    finally:
        store.close()
    print(f"Serveur arrêté. La session reste dans {db} : la même commande la reprend.")
    return 0


def _cmd_join(args) -> int:
    from dlcourse.classroom.client import Client

    client = Client()
    membership = client.join(args.server or _server_default(), args.code, args.name)
    print(f"Salle rejointe sous le nom « {membership['name']} » ({membership['server']}).")
    print("Chaque « dlcourse check » envoie désormais au formateur : l'exercice, réussi ou non, les indices "
          "donnés, la durée et le framework. Jamais votre code, jamais vos données.")
    print("« dlcourse classroom leave » arrête l'envoi.")
    outcome = client.flush()
    if outcome.sent:
        print(f"{outcome.sent} résultat(s) en attente envoyé(s).")
    return 0


def _cmd_leave(args) -> int:
    from dlcourse.classroom.client import Client

    outcome, told = Client().leave()
    if outcome.left:
        print(f"{outcome.left} résultat(s) jamais envoyé(s) ont été effacés ({outcome.problem}).")
    print("Salle quittée : plus aucun résultat n'est envoyé." +
          ("" if told else " (Le serveur de la salle n'a pas pu être prévenu.)"))
    return 0


def _cmd_status(args) -> int:
    from dlcourse.classroom.client import Client

    client = Client()
    membership = client.membership()
    if membership is None:
        queued = len(client.pending())
        print("Ce poste n'a rejoint aucune salle de formation : aucun résultat n'est envoyé."
              + (f" ({queued} résultat(s) en attente d'une salle.)" if queued else ""))
        print("Pour en rejoindre une : dlcourse classroom join CODE --name PRÉNOM --server http://ADRESSE:PORT")
        return 0
    outcome = client.flush()
    print(f"Salle : {membership['server']}, sous le nom « {membership['name']} » "
          f"(depuis {membership.get('joined_at')}).")
    if outcome.sent:
        print(f"{outcome.sent} résultat(s) en attente viennent d'être envoyés.")
    if outcome.left:
        print(f"{outcome.left} résultat(s) en attente : {outcome.problem or 'le serveur ne répond pas'}.")
    else:
        remote = client.remote_status()
        if remote and "results" in remote:
            print(f"Le serveur a reçu {remote['results']} résultat(s) de ce poste ; aucun en attente.")
        else:
            print("Aucun résultat en attente.")
    return 0
