using Layer.Vm.Agent.Protocol;

namespace Layer.Guest.Tests;

/// <summary>The wire format byte for byte, as docs/agent-protocol.md describes it.</summary>
public sealed class CodecTests
{
    [Fact]
    public void Frame_layout_is_length_type_id_payload()
    {
        var frame = FrameCodec.Encode(MessageType.Stdout, 0x01020304, "hi"u8);
        Assert.Equal(new byte[]
        {
            0x07, 0x00, 0x00, 0x00,   // length: type + id + 2 payload bytes
            0x82,                     // Stdout
            0x04, 0x03, 0x02, 0x01,   // request id, little-endian
            (byte)'h', (byte)'i',     // raw output bytes
        }, frame);
    }

    [Fact]
    public void Run_request_layout()
    {
        var payload = new RunRequest(RunFlags.Shell, ["ls"], ["A=1"], "/w", "", 1000).Encode();
        Assert.Equal(new byte[]
        {
            0x01,                                   // flags: shell
            1, 0, 0, 0, 2, 0, 0, 0, (byte)'l', (byte)'s',   // arguments: 1 string "ls"
            1, 0, 0, 0, 3, 0, 0, 0, (byte)'A', (byte)'=', (byte)'1',  // environment
            2, 0, 0, 0, (byte)'/', (byte)'w',       // working directory
            0, 0, 0, 0,                             // user: empty
            0xe8, 0x03, 0, 0,                       // timeout 1000 ms
        }, payload);
        Assert.Equal(new RunRequest(RunFlags.Shell, ["ls"], ["A=1"], "/w", "", 1000), RunRequest.Decode(payload) with { }, new RunRequestComparer());
    }

    [Fact]
    public void Messages_round_trip()
    {
        var hello = new HelloMessage(1, "0.1.0", "6.1.0-13-amd64", 1);
        Assert.Equal(hello, HelloMessage.Decode(hello.Encode()));
        var exit = new ExitMessage(137, 9, ExitFlags.TimedOut);
        Assert.Equal(exit, ExitMessage.Decode(exit.Encode()));
        var error = new ErrorMessage(2, "no such file: é");
        Assert.Equal(error, ErrorMessage.Decode(error.Encode()));
        var overlays = new List<OverlayRecord> { new("a", "repo", "/home/repo"), new("b", "", "/x") };
        Assert.Equal(overlays, OverlayRecord.DecodeList(OverlayRecord.EncodeList(overlays)));
        var write = WriteFileRequest.Decode(new WriteFileRequest("/f", 420, 5, WriteFileFlags.Truncate, [1, 2, 3]).Encode());
        Assert.Equal(("/f", 420u, 5ul, WriteFileFlags.Truncate), (write.Path, write.Mode, write.Offset, write.Flags));
        Assert.Equal(new byte[] { 1, 2, 3 }, write.Data);
    }

    [Fact]
    public void Truncated_payload_is_a_protocol_error()
    {
        var payload = new HelloMessage(1, "0.1.0", "6.1", 1).Encode();
        for (var cut = 0; cut < payload.Length; cut++)
            Assert.Throws<ProtocolException>(() => HelloMessage.Decode(payload.AsSpan(0, cut)));
    }

    [Fact]
    public void Lying_list_count_is_refused_before_allocating()
    {
        var error = Assert.Throws<ProtocolException>(() => RunRequest.Decode([0, 0xff, 0xff, 0xff, 0x7f]));
        Assert.Contains("claims", error.Message);
    }

    [Fact]
    public void Shell_run_must_have_exactly_one_argument()
    {
        var payload = new RunRequest(RunFlags.Shell, ["a", "b"], [], "", "", 0).Encode();
        Assert.Throws<ProtocolException>(() => RunRequest.Decode(payload));
    }

    [Fact]
    public void Interactive_request_layout()
    {
        var payload = new InteractiveRequest(InteractiveFlags.Terminal, [], ["T=x"], "", "", 24, 80).Encode();
        Assert.Equal(new byte[]
        {
            0x01,                                   // flags: terminal
            0, 0, 0, 0,                             // arguments: none (a login shell)
            1, 0, 0, 0, 3, 0, 0, 0, (byte)'T', (byte)'=', (byte)'x',  // environment
            0, 0, 0, 0,                             // working directory: empty
            0, 0, 0, 0,                             // user: empty
            24, 0, 80, 0,                           // rows, columns
        }, payload);
        var decoded = InteractiveRequest.Decode(payload);
        Assert.Equal((InteractiveFlags.Terminal, (ushort)24, (ushort)80, "T=x"), (decoded.Flags, decoded.Rows, decoded.Columns, decoded.Environment.Single()));
        Assert.Equal(new byte[] { 50, 0, 132, 0 }, new ResizeRequest(50, 132).Encode());
        Assert.Equal(new ResizeRequest(50, 132), ResizeRequest.Decode([50, 0, 132, 0]));
    }

    [Fact]
    public void Interactive_request_refuses_unknown_flags_and_a_shell_form_without_one_line()
    {
        Assert.Throws<ProtocolException>(() => InteractiveRequest.Decode(new InteractiveRequest((InteractiveFlags)4, ["sh"], [], "", "", 0, 0).Encode()));
        Assert.Throws<ProtocolException>(() => InteractiveRequest.Decode(new InteractiveRequest(InteractiveFlags.Shell, [], [], "", "", 0, 0).Encode()));
    }

    [Theory]
    [InlineData(new byte[] { 4, 0, 0, 0 })]           // shorter than type + id
    [InlineData(new byte[] { 1, 0, 0x40, 0 })]        // 4 MiB + 1
    public void Length_out_of_range_is_refused(byte[] prefix)
    {
        Assert.Throws<ProtocolException>(() => FrameCodec.Read(new MemoryStream(prefix)));
    }

    [Fact]
    public void End_of_stream_between_frames_is_null_and_inside_a_frame_is_an_error()
    {
        Assert.Null(FrameCodec.Read(new MemoryStream()));
        var frame = FrameCodec.Encode(MessageType.Ok, 1, [1, 2, 3]);
        Assert.Throws<EndOfStreamException>(() => FrameCodec.Read(new MemoryStream(frame[..^1])));
        Assert.Throws<EndOfStreamException>(() => FrameCodec.Read(new MemoryStream(frame[..2])));
        var read = FrameCodec.Read(new MemoryStream(frame))!.Value;
        Assert.Equal((MessageType.Ok, 1u), (read.Type, read.RequestId));
        Assert.Equal(new byte[] { 1, 2, 3 }, read.Payload);
    }

    private sealed class RunRequestComparer : IEqualityComparer<RunRequest>
    {
        public bool Equals(RunRequest? x, RunRequest? y) =>
            x is not null && y is not null && x.Flags == y.Flags && x.Arguments.SequenceEqual(y.Arguments) &&
            x.Environment.SequenceEqual(y.Environment) && x.WorkingDirectory == y.WorkingDirectory &&
            x.User == y.User && x.TimeoutMilliseconds == y.TimeoutMilliseconds;

        public int GetHashCode(RunRequest obj) => 0;
    }
}
