#!/usr/bin/env python3
# dmimo-ssh.py: run a dmimo chain over ssh from an inventory file — install, launch, wait, status, collect, stop.
"""Run a dmimo chain on several hosts over ssh, from an inventory (see deploy/inventory.example.yaml).

  dmimo-ssh.py [--inventory FILE] [--dry-run] install --tarball dist/dmimo-chain-<v>-linux-<arch>.tar.gz
  dmimo-ssh.py [--inventory FILE] [--dry-run] launch [--name NAME] [--no-check] [--wait]
               [--keys DIR | --plain] [--chain-controller PATH] [-- RUN OPTIONS…]
  dmimo-ssh.py [--inventory FILE] [--dry-run] wait|status|stop [--name NAME]
  dmimo-ssh.py [--inventory FILE] [--dry-run] collect [--name NAME] [--dest DIR]

launch: copies the configuration to the controller host, starts the downlink node and every panel (nohup, one
ssh per host, pid files in <work_dir>/<name>/), runs `chain-controller check` (stops everything and exits 1 on a
problem, printing its one line), then starts `chain-controller run --no-spawn` in the background with the
endpoints of the inventory. <work_dir>/latest points at the newest run on every host; NAME defaults to
run-<UTC time> for launch and to "latest" otherwise. stop: SIGINT to the controller (its results stay valid),
SIGTERM to panels and downlink node, each by the pid it was started with. --dry-run prints the exact commands,
one a line, and runs none of them.

CURVE (on unless --plain or security.curve: false in the inventory): the deployment's key directory on this
machine (--keys, else the inventory's security.keys_dir) is made with `chain-controller keys` (--chain-controller,
default the one on PATH) when it holds no public.keys yet, then each host gets public.keys and only the key
files of its own nodes (controller.key, downlink.key, panel-<k>.key) in <work_dir>/<name>/keys/ (mode 0700, files
0600); panels and downlink node run with --keys-dir there, the controller with security.curve=true and
security.keys_dir there.
"""
import argparse
import datetime
import os
import shutil
import shlex
import subprocess
import sys
import time

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("dmimo-ssh: PyYAML is needed (pip install pyyaml, or apt-get install python3-yaml)")


class Inventory:
    """The parsed, validated inventory."""

    def __init__(self, path):
        with open(path) as f:
            data = yaml.safe_load(f) or {}
        ssh = data.get("ssh") or {}
        self.user = ssh.get("user")
        self.ssh_options = [str(o) for o in ssh.get("options", [])]
        self.install_dir = data.get("install_dir", "/opt/dmimo").rstrip("/")
        self.work_dir = data.get("work_dir", "/var/tmp/dmimo").rstrip("/")
        self.config = data.get("config")
        security = data.get("security") or {}
        self.curve = bool(security.get("curve", True))
        self.keys_dir = str(security.get("keys_dir", "keys/" + os.path.splitext(os.path.basename(path))[0]))
        controller = data.get("controller") or {}
        if "host" not in controller:
            sys.exit(f"dmimo-ssh: {path}: controller.host is required")
        self.controller_host = str(controller["host"])
        self.controller_port = int(controller.get("port", 5500))
        downlink = data.get("downlink")
        self.downlink_host = str(downlink["host"]) if downlink else None
        self.downlink_port = int(downlink.get("port", 5600)) if downlink else None
        panels = data.get("panels") or []
        if not panels:
            sys.exit(f"dmimo-ssh: {path}: no panels")
        self.panels = sorted(({"index": int(p["index"]), "host": str(p["host"]), "port": int(p.get("port", 5550)),
                               "advertise": p.get("advertise")} for p in panels), key=lambda p: p["index"])
        indices = [p["index"] for p in self.panels]
        if indices != list(range(len(indices))):
            sys.exit(f"dmimo-ssh: {path}: panel indices must be 0 … {len(indices) - 1} once each, got {indices}")
        places = [(p["host"], p["port"]) for p in self.panels]
        if len(set(places)) != len(places):
            sys.exit(f"dmimo-ssh: {path}: two panels share a host and port")

    def endpoint(self, panel):
        return panel["advertise"] or f"tcp://{panel['host']}:{panel['port']}"

    @property
    def controller_endpoint(self):
        return f"tcp://{self.controller_host}:{self.controller_port}"

    def hosts(self):
        """Every host once, controller first."""
        order = [self.controller_host] + ([self.downlink_host] if self.downlink_host else [])
        order += [p["host"] for p in self.panels]
        return list(dict.fromkeys(order))

    def target(self, host):
        return f"{self.user}@{host}" if self.user else host

    def bin(self, name):
        return f"{self.install_dir}/bin/{name}"

    def node_keys(self, host):
        """The key files of the nodes that run on host (controller, downlink node, panels), in that order."""
        names = (["controller"] if host == self.controller_host else []) \
            + (["downlink"] if host == self.downlink_host else []) \
            + [f"panel-{p['index']}" for p in self.panels if p["host"] == host]
        return [f"{n}.key" for n in names]

    def key_names(self):
        """Every node that needs a key: controller, downlink node (if any), panels."""
        return ["controller"] + (["downlink"] if self.downlink_host else []) + [f"panel-{p['index']}" for p in self.panels]

    def endpoint_settings(self):
        """The --set options that put the inventory's layout into the configuration."""
        return ["--set", f"scenario.panels={len(self.panels)}",
                "--set", f"chain.controller_bind=tcp://*:{self.controller_port}",
                "--set", f"chain.controller_endpoint={self.controller_endpoint}",
                "--set", "chain.panel_endpoints=" + ",".join(self.endpoint(p) for p in self.panels)]


class Runner:
    """Runs (or, dry, prints) commands."""

    def __init__(self, inventory, dry_run):
        self.inv = inventory
        self.dry_run = dry_run

    def ssh_argv(self, host, remote):
        return ["ssh", *self.inv.ssh_options, self.inv.target(host), remote]

    def scp_argv(self, sources, destination, recursive=False):
        return ["scp", *self.inv.ssh_options, *(["-r"] if recursive else []), *sources, destination]

    def run(self, argv, check=True, capture=False):
        print(shlex.join(argv), flush=True)
        if self.dry_run:
            return subprocess.CompletedProcess(argv, 0, "", "")
        result = subprocess.run(argv, text=True, capture_output=capture)
        if check and result.returncode != 0:
            sys.exit(f"dmimo-ssh: failed (exit {result.returncode}): {shlex.join(argv)}"
                     + (f"\n{result.stdout}{result.stderr}" if capture else ""))
        return result

    def note(self, text):
        print(f"# {text}", flush=True)

    def sleep(self, seconds):
        self.note(f"sleep {seconds} s")
        if not self.dry_run:
            time.sleep(seconds)


def background(argv, log, pid):
    """Remote shell text that starts argv detached, logging to log and recording its pid."""
    return f"nohup {shlex.join(argv)} > {shlex.quote(log)} 2>&1 < /dev/null & echo $! > {shlex.quote(pid)}"


def kill_by_pidfile(pattern, program, signal):
    """Remote shell text: signal each process recorded in files matching pattern, if it still runs program."""
    return (f"for f in {pattern}; do [ -f \"$f\" ] || continue; p=$(cat \"$f\"); "
            f"if grep -qa {shlex.quote(program)} /proc/$p/cmdline 2>/dev/null; then kill -{signal} $p; fi; "
            f"rm -f \"$f\"; done")


def run_dir(inv, name):
    return f"{inv.work_dir}/{name}"


def cmd_install(runner, args):
    inv = runner.inv
    remote_tar = f"/tmp/{args.tarball.rsplit('/', 1)[-1]}"
    for host in inv.hosts():
        runner.run(runner.scp_argv([args.tarball], f"{inv.target(host)}:{remote_tar}"))
        runner.run(runner.ssh_argv(host, f"mkdir -p {shlex.quote(inv.install_dir)} && tar -C {shlex.quote(inv.install_dir)} "
                                         f"--strip-components=1 -xzf {shlex.quote(remote_tar)} && rm -f {shlex.quote(remote_tar)} && "
                                         f"{shlex.quote(inv.bin('chain-controller'))} --version"))


def local_keys(runner, args):
    """The deployment's key directory on this machine: made with `chain-controller keys` if it has no public.keys
    yet, else checked to hold a key of every node of the inventory."""
    inv = runner.inv
    keys = (args.keys or inv.keys_dir).rstrip("/")
    if not os.path.exists(f"{keys}/public.keys"):
        tool = args.chain_controller or shutil.which("chain-controller") or "chain-controller"
        runner.note(f"no CURVE keys in {keys}: making them here")
        runner.run([tool, "keys", "--out", keys, "--panels", str(len(inv.panels))])
    if runner.dry_run:
        return keys
    with open(f"{keys}/public.keys") as f:
        listed = {line.split()[0] for line in f if line.strip() and not line.startswith("#")}
    missing = [n for n in inv.key_names() if n not in listed or not os.path.isfile(f"{keys}/{n}.key")]
    if missing:
        sys.exit(f"dmimo-ssh: {keys} has no key for {', '.join(missing)} (keys of another deployment? "
                 f"chain-controller keys --out {keys} --panels {len(inv.panels)} --force makes new ones)")
    return keys


def cmd_launch(runner, args):
    inv = runner.inv
    name = args.name or "run-" + datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    rdir = run_dir(inv, name)
    curve = inv.curve and not args.plain
    remote_keys = f"{rdir}/keys"
    prepare = (f"mkdir -p {shlex.quote(rdir)} && ln -sfn {shlex.quote(name)} {shlex.quote(inv.work_dir + '/latest')}"
               + (f" && mkdir -p -m 700 {shlex.quote(remote_keys)}" if curve else ""))
    runner.note(f"run {name}: {len(inv.panels)} panels on {len(inv.hosts())} hosts; run folder {rdir} on every host; "
                + ("CURVE" if curve else "plain text (no CURVE)"))
    for host in inv.hosts():
        runner.run(runner.ssh_argv(host, prepare))
    keys_args, security_settings, lock = [], [], ""
    if curve:  # each host: public.keys and its own nodes' key pairs, nothing else
        keys = local_keys(runner, args)
        for host in inv.hosts():
            files = ["public.keys"] + inv.node_keys(host)
            runner.run(runner.scp_argv([f"{keys}/{f}" for f in files], f"{inv.target(host)}:{remote_keys}/"))
        keys_args = ["--keys-dir", remote_keys]
        security_settings = ["--set", "security.curve=true", "--set", f"security.keys_dir={remote_keys}"]
        lock = f"chmod 600 {shlex.quote(remote_keys)}/*.key || exit 1; "
    config_args = []
    if inv.config:
        runner.run(runner.scp_argv([inv.config], f"{inv.target(inv.controller_host)}:{rdir}/experiment.yaml"))
        config_args = ["--config", "experiment.yaml"]
    if inv.downlink_host:
        start = background([inv.bin("dmimo-downlink"), "serve", "--endpoint", f"tcp://*:{inv.downlink_port}", *keys_args],
                           "downlink.log", "downlink.pid")
        runner.run(runner.ssh_argv(inv.downlink_host, f"cd {shlex.quote(rdir)} || exit 1; {lock}{start}"))
    for host in dict.fromkeys(p["host"] for p in inv.panels):
        starts = []
        for p in (p for p in inv.panels if p["host"] == host):
            argv = [inv.bin("panel-node"), "run", "--index", str(p["index"]), "--controller", inv.controller_endpoint,
                    "--bind", f"tcp://*:{p['port']}", "--advertise", inv.endpoint(p),
                    "--controller-silence-ms", str(args.controller_silence_ms), *keys_args]
            starts.append(background(argv, f"panel-{p['index']}.log", f"panel-{p['index']}.pid"))
        runner.run(runner.ssh_argv(host, f"cd {shlex.quote(rdir)} || exit 1; {lock}" + "; ".join(starts)))
    runner.sleep(args.settle_s)
    controller = inv.controller_host
    if not args.no_check:
        check = [inv.bin("chain-controller"), "check", *config_args, *inv.endpoint_settings(), *security_settings]
        result = runner.run(runner.ssh_argv(controller, f"cd {shlex.quote(rdir)} && {lock}{shlex.join(check)}"), check=False)
        if result.returncode != 0:
            print("dmimo-ssh: the check failed (line above); stopping what was started", file=sys.stderr)
            args.name = name
            cmd_stop(runner, args)
            sys.exit(1)
    run = [inv.bin("chain-controller"), "run", "--no-spawn", *config_args, *inv.endpoint_settings(), *security_settings,
           "--out", "results", *args.run_options]
    runner.run(runner.ssh_argv(controller, f"cd {shlex.quote(rdir)} || exit 1; {lock}{background(run, 'controller.log', 'controller.pid')}"))
    runner.note(f"started; follow: ssh {inv.target(controller)} tail -f {rdir}/controller.log; "
                f"then: dmimo-ssh.py collect --name {name}")
    if args.wait:
        args.name = name
        cmd_wait(runner, args)


def controller_running(runner, rdir):
    inv = runner.inv
    probe = (f"p=$(cat {shlex.quote(rdir)}/controller.pid 2>/dev/null) && grep -qa chain-controller /proc/$p/cmdline 2>/dev/null")
    return runner.run(runner.ssh_argv(inv.controller_host, probe), check=False).returncode == 0


def cmd_wait(runner, args):
    rdir = run_dir(runner.inv, args.name or "latest")
    while controller_running(runner, rdir) and not runner.dry_run:
        time.sleep(args.poll_s)
    runner.run(runner.ssh_argv(runner.inv.controller_host, f"tail -n 25 {shlex.quote(rdir)}/controller.log"), check=False)


def cmd_status(runner, args):
    inv = runner.inv
    rdir = run_dir(inv, args.name or "latest")
    for host in inv.hosts():
        runner.run(runner.ssh_argv(host, f"cd {shlex.quote(rdir)} 2>/dev/null || exit 0; for f in *.pid; do [ -f \"$f\" ] || continue; "
                                         f"p=$(cat \"$f\"); if kill -0 $p 2>/dev/null; then s=running; else s=ended; fi; "
                                         f"echo \"$(hostname) ${{f%.pid}} pid $p $s\"; done"), check=False)


def cmd_collect(runner, args):
    inv = runner.inv
    name = args.name or "latest"
    rdir = run_dir(inv, name)
    dest = f"{args.dest.rstrip('/')}/{name}"
    runner.run(["mkdir", "-p", f"{dest}/logs"])
    runner.run(runner.scp_argv([f"{inv.target(inv.controller_host)}:{rdir}/results"], dest, recursive=True))
    for host in inv.hosts():
        runner.run(["mkdir", "-p", f"{dest}/logs/{host}"])
        runner.run(runner.scp_argv([f"{inv.target(host)}:{rdir}/*.log"], f"{dest}/logs/{host}/"), check=False)
    runner.note(f"results in {dest}/results, logs in {dest}/logs/<host>/")


def cmd_stop(runner, args):
    inv = runner.inv
    rdir = run_dir(inv, args.name or "latest")
    q = shlex.quote(rdir)
    runner.run(runner.ssh_argv(inv.controller_host, f"cd {q} 2>/dev/null || exit 0; "
                                                    + kill_by_pidfile("controller.pid", "chain-controller", "INT")), check=False)
    for host in dict.fromkeys(p["host"] for p in inv.panels):
        runner.run(runner.ssh_argv(host, f"cd {q} 2>/dev/null || exit 0; " + kill_by_pidfile("panel-*.pid", "panel-node", "TERM")),
                   check=False)
    if inv.downlink_host:
        runner.run(runner.ssh_argv(inv.downlink_host, f"cd {q} 2>/dev/null || exit 0; "
                                                      + kill_by_pidfile("downlink.pid", "dmimo-downlink", "TERM")), check=False)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="dmimo-ssh.py", description=__doc__.split("\n")[0],
                                     epilog="\n".join(__doc__.split("\n")[1:]), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inventory", default="deploy/inventory.example.yaml", help="inventory file (YAML)")
    parser.add_argument("--dry-run", action="store_true", help="print the exact commands, run none")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("install", help="copy the release tarball to every host and unpack it in install_dir")
    p.add_argument("--tarball", required=True)
    p = sub.add_parser("launch", help="start downlink node and panels, check, start the controller")
    p.add_argument("--name", help="run name (default run-<UTC time>)")
    p.add_argument("--no-check", action="store_true", help="skip `chain-controller check`")
    p.add_argument("--wait", action="store_true", help="wait for the controller to finish and print its summary")
    p.add_argument("--settle-s", type=float, default=1.0, help="wait after starting panels before the check")
    p.add_argument("--poll-s", type=float, default=5.0)
    p.add_argument("--controller-silence-ms", type=int, default=600_000,
                   help="panels exit when the controller is silent this long (ms)")
    p.add_argument("--keys", help="the deployment's CURVE key directory here (default: the inventory's security.keys_dir); "
                                  "made with `chain-controller keys` if it holds no public.keys")
    p.add_argument("--plain", action="store_true", help="no CURVE: plain-text links, no keys (e.g. latency comparisons)")
    p.add_argument("--chain-controller", help="chain-controller on this machine that makes missing keys (default: on PATH)")
    p.add_argument("run_options", nargs=argparse.REMAINDER, help="-- then options for `chain-controller run`")
    for command, text in [("wait", "wait for the controller, print its summary"), ("status", "which processes run"),
                          ("stop", "stop the run's processes by their pid files")]:
        p = sub.add_parser(command, help=text)
        p.add_argument("--name")
        p.add_argument("--poll-s", type=float, default=5.0)
    p = sub.add_parser("collect", help="copy results and logs here")
    p.add_argument("--name")
    p.add_argument("--dest", default="results/ssh")
    args = parser.parse_args(argv)
    if getattr(args, "run_options", None) and args.run_options[:1] == ["--"]:
        args.run_options = args.run_options[1:]
    runner = Runner(Inventory(args.inventory), args.dry_run)
    {"install": cmd_install, "launch": cmd_launch, "wait": cmd_wait, "status": cmd_status,
     "collect": cmd_collect, "stop": cmd_stop}[args.command](runner, args)


if __name__ == "__main__":
    main()
