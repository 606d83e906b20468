using Layer.Engine.Planning;
using Layer.Engine.Reporting;

namespace Layer.Engine.Running;

/// <summary>
/// Asks the BUTTONs that stand before a unit. Approved (by --approve or by the person asked): the run
/// goes on. Not approved, or nobody to ask: the Layerfile ends as <c>waiting</c>, the steps after the
/// button are <c>not-run</c>, and nothing after it is looked up or booted.
/// </summary>
internal sealed class ButtonGate(BuildSession session)
{
    /// <summary>True to go on; false when the Layerfile stopped here (report finished and announced).</summary>
    public async Task<bool> PassAsync(Plan plan, int beforeUnit, LayerfileReport report, CancellationToken cancellationToken)
    {
        foreach (var button in plan.Buttons.Where(b => b.BeforeUnit == beforeUnit))
        {
            var where = $"{plan.Layerfile}:{button.Line}: BUTTON {button.Message}";
            if (session.Options.Approve)
            {
                session.Observer.Info($"{where}: approved (--approve)");
                continue;
            }

            var ask = session.Options.Ask;
            if (ask is not null && await ask(new ButtonQuestion(plan.Layerfile, button.Line, button.Message), cancellationToken))
            {
                session.Observer.Info($"{where}: approved");
                continue;
            }

            Stop(plan, button, report, ask is null
                ? $"{where}: waiting for approval (no terminal to ask on; run again with --approve to go on)"
                : $"{where}: not approved; the Layerfile stops here");
            return false;
        }

        return true;
    }

    private void Stop(Plan plan, PlannedButton button, LayerfileReport report, string message)
    {
        report.Status = LayerfileStatus.Waiting;
        report.WaitingFor = $"line {button.Line}: {button.Message}";
        report.Error = message;
        foreach (var step in report.Steps.Where(s => s.Line > button.Line && s.Status == StepStatus.NotRun && s.Reason is null))
        {
            step.Reason = $"waiting at the BUTTON of line {button.Line}";
            session.Observer.StepChanged(report, step);
        }

        session.Observer.LayerfileFinished(report);
    }
}
