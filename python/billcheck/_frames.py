"""Reports as pandas DataFrames (pandas is imported only when asked for)."""

COLUMNS = ["rule", "severity", "category", "message", "client", "engagement", "invoice", "line",
           "payment", "credit_note", "time_entry", "amount_at_stake", "currency", "evidence", "fix",
           "fingerprint", "location"]


def findings_frame(report):
    """One row per finding, one column per contract field; amount_at_stake keeps its Decimals."""
    try:
        import pandas
    except ImportError as e:
        raise ImportError("Report.to_dataframe needs pandas (Debian: apt install python3-pandas)") from e
    rows = [f.to_dict() for f in report.findings]
    frame = pandas.DataFrame(rows, columns=COLUMNS)
    # Object columns: Decimals stay Decimals, absent values stay None.
    return frame.astype({"amount_at_stake": object})
