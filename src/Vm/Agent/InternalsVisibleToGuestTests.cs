// The agent's tests (tests/Guest.Tests) drive the codec and AgentBinary directly;
// kept here rather than in Layer.Vm.csproj so the Agent folder stays self-contained.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Layer.Guest.Tests")]
