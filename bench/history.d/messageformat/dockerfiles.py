"""Writes the two Dockerfiles bench/history builds: best practice (manifests and lockfile first, npm ci,
then the rest) and naive (everything first). Each package and the checks get a stage running the same
commands as their Layerfile; the final stage `all` needs every one of them, so one build runs them all
(in parallel, as BuildKit does). Usage: dockerfiles.py IMAGE OUTDIR PACKAGE..."""
import sys

image, out, packages = sys.argv[1], sys.argv[2], sys.argv[3:]
env = "ENV NPM_CONFIG_CAFILE=/etc/ssl/bench-ca-bundle.crt NPM_CONFIG_UPDATE_NOTIFIER=false"


def stages():
    lines = []
    for p in packages:
        lines += ["", f"FROM base AS pkg-{p}",
                  f"RUN node_modules/.bin/jest --roots packages/{p} --passWithNoTests --coverage=false",
                  f"RUN node_modules/.bin/eslint packages/{p}"]
    lines += ["", "FROM base AS checks",
              "RUN node_modules/.bin/eslint --ignore-pattern 'packages/' .",
              "", "FROM base AS all"]
    lines += [f"COPY --from=pkg-{p} /app/package.json /done/{p}.json" for p in packages]
    lines += ["COPY --from=checks /app/package.json /done/checks.json"]
    return lines


head = [f"FROM {image} AS base", "COPY .bench/ca-bundle.crt /etc/ssl/bench-ca-bundle.crt", env, "WORKDIR /app"]
best = head + ["COPY package.json package-lock.json ./"]
best += [f"COPY packages/{p}/package.json packages/{p}/" for p in packages]
best += ["RUN npm ci --no-audit --no-fund", "COPY . ."] + stages()
naive = head + ["COPY . .", "RUN npm ci --no-audit --no-fund"] + stages()
for name, lines in (("best", best), ("naive", naive)):
    with open(f"{out}/Dockerfile.{name}", "w") as f:
        f.write("\n".join(lines) + "\n")
