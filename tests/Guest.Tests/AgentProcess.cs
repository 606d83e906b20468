using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Layer.Vm.Agent;

namespace Layer.Guest.Tests;

/// <summary>
/// The real agent binary as a host process, connected to this test through a
/// unix socket the test listens on (the agent's --socket mode), with a real
/// <see cref="AgentClient"/> on the test's end.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly StringBuilder _stderr = new();

    public Process Process { get; }
    public AgentClient Client { get; }
    public string Folder { get; }

    private AgentProcess(Process process, AgentClient client, string folder)
    {
        Process = process;
        Client = client;
        Folder = folder;
    }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    public static async Task<AgentProcess> StartAsync(string? shareRoot = null, string? stateDir = null, Dictionary<string, string>? environment = null, string[]? wrapper = null)
    {
        var (process, socket, folder, stderr) = await LaunchAsync(shareRoot, stateDir, environment, wrapper);
        var agent = new AgentProcess(process, new AgentClient(new NetworkStream(socket, ownsSocket: true)), folder);
        _ = stderr.ContinueWith(t => { lock (agent._stderr) agent._stderr.Append(t.Result); }, TaskScheduler.Default);
        return agent;
    }

    /// <summary>
    /// Starts the agent and returns the raw accepted socket, for tests that speak
    /// bytes themselves. A wrapper (e.g. unshare) is a command line the agent's
    /// own command line is appended to.
    /// </summary>
    public static async Task<(Process Process, Socket Socket, string Folder, Task<string> Stderr)> LaunchAsync(
        string? shareRoot = null, string? stateDir = null, Dictionary<string, string>? environment = null, string[]? wrapper = null)
    {
        var folder = Directory.CreateTempSubdirectory("layer-agent-test-").FullName;
        var socketPath = System.IO.Path.Combine(folder, "agent.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);

        var start = new ProcessStartInfo(wrapper?[0] ?? PublishedAgent.BinaryPath)
        {
            ArgumentList = { "--socket", socketPath, "--share-root", shareRoot ?? System.IO.Path.Combine(folder, "share"), "--state-dir", stateDir ?? System.IO.Path.Combine(folder, "state") },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        if (wrapper is not null)
        {
            var agentArguments = start.ArgumentList.ToList();
            start.ArgumentList.Clear();
            foreach (var argument in wrapper[1..].Append(PublishedAgent.BinaryPath).Concat(agentArguments)) start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? []) start.Environment[name] = value;
        var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var socket = await listener.AcceptAsync(timeout.Token);
        return (process, socket, folder, stderr);
    }

    public async Task<(RunResult Result, byte[] Stdout, byte[] Stderr)> RunAsync(RunSpec spec, CancellationToken cancellationToken = default)
    {
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var result = await Client.RunAsync(spec, c => stdout.Write(c.Span), c => stderr.Write(c.Span), cancellationToken);
        return (result, stdout.ToArray(), stderr.ToArray());
    }

    public async Task<(RunResult Result, string Stdout, string Stderr)> ShellAsync(string command, Func<RunSpec, RunSpec>? adjust = null)
    {
        var spec = RunSpec.ShellCommand(command);
        var (result, stdout, stderr) = await RunAsync(adjust is null ? spec : adjust(spec));
        return (result, Encoding.UTF8.GetString(stdout), Encoding.UTF8.GetString(stderr));
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        if (!Process.WaitForExit(5000)) Process.Kill(entireProcessTree: true);
        Process.WaitForExit();
        Process.Dispose();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
