// The subcommands of the `parallax` executable.
#pragma once

namespace parallax {

int run_replay(int argc, char** argv);
int run_view(int argc, char** argv);

}  // namespace parallax
