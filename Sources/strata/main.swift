// The `strata` command line tool; every subcommand lives in StrataCLI.
import StrataCLI
import StrataTraining

// Line-buffered output, so progress shows up live when piped to a file or another program.
StandardOutput.useLineBuffering()
StrataCommand.mainWithReadableErrors()
