using Layer.Engine.Keys;

namespace Layer.Engine.Tests;

public sealed class StepKeyTests
{
    private static readonly KeyValuePair<string, string>[] Env = [new("env:A", "1"), new("workdir", "/app")];

    [Fact]
    public void The_same_inputs_give_the_same_key_whatever_the_order_of_the_environment()
    {
        var a = StepKey.Of("parent", ["RUN make"], Env);
        var b = StepKey.Of("parent", ["RUN make"], Env.Reverse());
        Assert.Equal(a, b);
        Assert.Matches("^[0-9a-f]{64}$", a.ToString());
    }

    [Fact]
    public void Parent_instruction_and_environment_each_change_the_key()
    {
        var key = StepKey.Of("parent", ["RUN make"], Env);
        Assert.NotEqual(key, StepKey.Of("other", ["RUN make"], Env));
        Assert.NotEqual(key, StepKey.Of("parent", ["RUN make test"], Env));
        Assert.NotEqual(key, StepKey.Of("parent", ["RUN make"], [new("env:A", "2"), new("workdir", "/app")]));
    }

    [Fact]
    public void Fields_are_delimited_so_shifting_text_between_them_changes_the_key()
    {
        Assert.NotEqual(StepKey.Of("p", ["RUN a", "RUN b"], []), StepKey.Of("p", ["RUN a RUN b"], []));
        Assert.NotEqual(StepKey.Of("p", [], [new("env:AB", "C")]), StepKey.Of("p", [], [new("env:A", "BC")]));
    }
}
