using System.Diagnostics;
using System.Text;
using Layer.Parser;

// Writes a Layerfile of the requested number of lines (every directive, continuations, comments, CRLF
// on some lines), then times LayerfileParser.Parse: one cold run, then the median of several warm runs.
var lines = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
var output = args.Length > 1 ? args[1] : null;

string[] body =
[
    "# install the toolchain",
    "RUN apt-get update && \\",
    "    apt-get install -y curl git \"build-essential\" && \\",
    "    rm -rf /var/lib/apt/lists/*",
    "ENV NODE_ENV=production PATH=$HOME/bin:$PATH GREETING=\"hello world\"",
    "COPY package.json package-lock.json /app/",
    "WORKDIR /app",
    "RUN BACKGROUND npm start\r",
    "SKIP REMAINING IF GIT_BRANCH !=~ \"^(main|release/.*)$\" AND CI=true",
    "EXPOSE WEBSITE localhost:3000 /api /",
    "CACHE ~/.npm ~/.cache/Cypress",
    "LABEL display_name=web",
    "",
];

var text = new StringBuilder("MEMORY 2G\nFROM vm/ubuntu:18.04\n");
var count = 2;
while (count < lines)
{
    foreach (var line in body)
    {
        if (count++ >= lines) break;
        text.Append(line).Append('\n');
    }
}

var source = text.ToString();
if (output is not null) File.WriteAllText(output, source);

var watch = Stopwatch.StartNew();
var result = LayerfileParser.Parse(source, "Layerfile");
var cold = watch.Elapsed.TotalMilliseconds;
if (result.HasErrors)
{
    Console.Error.WriteLine("the generated Layerfile has errors: " + result.Errors.First());
    return 1;
}

var warm = new List<double>();
for (var i = 0; i < 15; i++)
{
    watch.Restart();
    LayerfileParser.Parse(source, "Layerfile");
    warm.Add(watch.Elapsed.TotalMilliseconds);
}

warm.Sort();
Console.WriteLine($"parse {lines:N0} lines ({source.Length:N0} chars, {result.Layerfile.Instructions.Count:N0} instructions): first {cold:F1} ms, warm median {warm[warm.Count / 2]:F1} ms (min {warm[0]:F1} ms, {lines / warm[warm.Count / 2]:N0} lines/ms)");
return 0;
