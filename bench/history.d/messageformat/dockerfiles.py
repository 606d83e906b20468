"""Writes the two Dockerfiles bench/history builds: best practice (manifests and lockfile first, npm ci,
then the rest) and naive (everything first). Each package and the checks get a stage running the RUN
lines of their Layerfile template (read from the templates beside this file, so the two sides cannot
drift apart); the final stage `all` needs every one of them, so one build runs them all (in parallel, as
BuildKit does). Usage: dockerfiles.py IMAGE OUTDIR PACKAGE..."""
import os
import sys

image, out, packages = sys.argv[1], sys.argv[2], sys.argv[3:]
here = os.path.dirname(os.path.abspath(__file__))
env = "ENV NPM_CONFIG_CAFILE=/etc/ssl/bench-ca-bundle.crt NPM_CONFIG_UPDATE_NOTIFIER=false"


def runs(template, package=""):
    with open(os.path.join(here, template)) as f:
        return [line.rstrip("\n").replace("@PKG@", package) for line in f if line.startswith("RUN ")]


def stages():
    lines = []
    for p in packages:
        lines += ["", f"FROM base AS pkg-{p}"] + runs("package.Layerfile", p)
    lines += ["", "FROM base AS checks"] + runs("checks.Layerfile") + ["", "FROM base AS all"]
    lines += [f"COPY --from=pkg-{p} /app/package.json /done/{p}.json" for p in packages]
    lines += ["COPY --from=checks /app/package.json /done/checks.json"]
    return lines


head = [f"FROM {image} AS base", "COPY .bench/ca-bundle.crt /etc/ssl/bench-ca-bundle.crt", env, "WORKDIR /app"]
best = head + ["COPY package.json package-lock.json ./"]
best += [f"COPY packages/{p}/package.json packages/{p}/" for p in packages]
install = runs("base.Layerfile")[-1]  # npm ci (the root Layerfile's last step; the one before installs node)
best += [install, "COPY . ."] + stages()
naive = head + ["COPY . .", install] + stages()
for name, lines in (("best", best), ("naive", naive)):
    with open(f"{out}/Dockerfile.{name}", "w") as f:
        f.write("\n".join(lines) + "\n")
