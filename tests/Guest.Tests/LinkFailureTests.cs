using System.Buffers.Binary;
using System.Net.Sockets;
using Layer.Vm.Agent;
using Layer.Vm.Agent.Protocol;

namespace Layer.Guest.Tests;

/// <summary>What each side does when the other dies or sends garbage.</summary>
[Collection("agent")]
public sealed class LinkFailureTests
{
    [Fact]
    public async Task Agent_dying_mid_command_fails_the_run_and_every_later_call_with_a_typed_exception()
    {
        await using var agent = await AgentProcess.StartAsync();
        var started = new TaskCompletionSource();
        var run = agent.Client.RunAsync(RunSpec.ShellCommand("echo up; sleep 300"), _ => started.TrySetResult());
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        agent.Process.Kill();

        var error = await Assert.ThrowsAsync<AgentDisconnectedException>(() => run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("closed the link", error.Message);
        await Assert.ThrowsAsync<AgentDisconnectedException>(() => agent.Client.SyncAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        await Assert.ThrowsAsync<AgentDisconnectedException>(() => agent.Client.Completion.WaitAsync(TimeSpan.FromSeconds(30)));

        var withConsole = error.WithConsoleTail("[  1.0] Kernel panic\n");
        Assert.EndsWith("last console lines:\n[  1.0] Kernel panic", withConsole.Message);
    }

    [Fact]
    public async Task Agent_rejects_bad_frames_with_eproto_and_keeps_serving()
    {
        var (process, socket, folder, _) = await AgentProcess.LaunchAsync();
        using var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            Assert.Equal(MessageType.Hello, (await NextAsync(stream)).Type);

            // Unknown type 0x55 with request id 7.
            await stream.WriteAsync(FrameCodec.Encode((MessageType)0x55, 7, []));
            await ExpectErrorAsync(stream, 7, "unknown request type 0x55");

            // A Run whose argument list claims 1000 strings but carries none.
            await stream.WriteAsync(FrameCodec.Encode(MessageType.Run, 8, [0, 0xe8, 0x03, 0, 0]));
            await ExpectErrorAsync(stream, 8, "malformed Run");

            // A Sync with trailing bytes.
            await stream.WriteAsync(FrameCodec.Encode(MessageType.Sync, 9, [1]));
            await ExpectErrorAsync(stream, 9, "unexpected byte");

            // A shell run whose command line is not UTF-8.
            var badUtf8 = new PayloadWriter().U8(1).U32(1).Bytes([0xff, 0xfe]).U32(0).String("").String("").U32(0).Written.ToArray();
            await stream.WriteAsync(FrameCodec.Encode(MessageType.Run, 10, badUtf8));
            await ExpectErrorAsync(stream, 10, "UTF-8");

            // Still serving.
            await stream.WriteAsync(FrameCodec.Encode(MessageType.HelloRequest, 11, []));
            var hello = await NextAsync(stream);
            Assert.Equal((MessageType.Hello, 11u), (hello.Type, hello.RequestId));

            // A length prefix out of range cannot be skipped: error on id 0, then the agent hangs up.
            // (Only the prefix: unread bytes left in its socket would turn the close into ECONNRESET.)
            var huge = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(huge, uint.MaxValue);
            await stream.WriteAsync(huge);
            await ExpectErrorAsync(stream, 0, "frame length");
            Assert.Null(await FrameCodec.ReadAsync(stream, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.True(process.WaitForExit(10_000));
        }
        finally
        {
            if (!process.HasExited) process.Kill();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Client_treats_a_garbage_length_from_the_agent_as_a_protocol_error()
    {
        var (client, fake) = Pair();
        await using var _ = client;
        using var __ = fake;
        var sync = client.SyncAsync();
        await fake.ReadExactlyAsync(new byte[9]);   // the Sync frame
        await fake.WriteAsync(new byte[] { 0xff, 0xff, 0xff, 0x7f, 0 });
        var error = await Assert.ThrowsAsync<AgentProtocolException>(() => sync.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("frame length", error.Message);
        await Assert.ThrowsAsync<AgentProtocolException>(() => client.SyncAsync());
    }

    [Fact]
    public async Task Client_rejects_a_reply_of_the_wrong_type()
    {
        var (client, fake) = Pair();
        await using var _ = client;
        using var __ = fake;
        var sync = client.SyncAsync();
        var request = await FrameCodec.ReadAsync(fake, CancellationToken.None);
        Assert.Equal(MessageType.Sync, request!.Value.Type);
        await fake.WriteAsync(FrameCodec.Encode(MessageType.Stdout, request.Value.RequestId, "x"u8));
        var error = await Assert.ThrowsAsync<AgentProtocolException>(() => sync.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("unexpected Stdout", error.Message);
    }

    [Fact]
    public async Task Client_reports_a_protocol_version_mismatch()
    {
        var (client, fake) = Pair();
        await using var _ = client;
        using var __ = fake;
        await fake.WriteAsync(FrameCodec.Encode(MessageType.Hello, 0, new HelloMessage(99, "9.9", "6.1", 1).Encode()));
        var error = await Assert.ThrowsAsync<AgentProtocolException>(() => client.WaitForHelloAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("version 99", error.Message);
    }

    [Fact]
    public async Task Client_error_frame_on_id_zero_drops_the_link()
    {
        var (client, fake) = Pair();
        await using var _ = client;
        using var __ = fake;
        var run = client.RunAsync(RunSpec.ShellCommand("true"));
        await fake.WriteAsync(FrameCodec.Encode(MessageType.Error, 0, new ErrorMessage(71, "frame length 5 is bad").Encode()));
        var error = await Assert.ThrowsAsync<AgentProtocolException>(() => run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("frame length 5 is bad", error.Message);
    }

    private static (AgentClient Client, NetworkStream Fake) Pair()
    {
        var sockets = new Socket[2];
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var path = Path.Combine(Path.GetTempPath(), $"layer-fake-agent-{Guid.NewGuid():N}.sock");
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        sockets[0] = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        sockets[0].Connect(new UnixDomainSocketEndPoint(path));
        sockets[1] = listener.Accept();
        listener.Dispose();
        File.Delete(path);
        return (new AgentClient(new NetworkStream(sockets[0], ownsSocket: true)), new NetworkStream(sockets[1], ownsSocket: true));
    }

    private static async Task<Frame> NextAsync(Stream stream) =>
        await FrameCodec.ReadAsync(stream, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30))
        ?? throw new EndOfStreamException();

    private static async Task ExpectErrorAsync(Stream stream, uint id, string messagePart)
    {
        var frame = await NextAsync(stream);
        Assert.Equal((MessageType.Error, id), (frame.Type, frame.RequestId));
        var error = ErrorMessage.Decode(frame.Payload);
        Assert.Equal(ErrorMessage.EPROTO, error.Errno);
        Assert.Contains(messagePart, error.Message);
    }
}
