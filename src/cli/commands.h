// The subcommands of the `parallax` executable.
#pragma once

namespace parallax {

int run_replay(int argc, char** argv);
int run_view(int argc, char** argv);
int run_script_host(int argc, char** argv);
int run_transform(int argc, char** argv);
int run_connector(int argc, char** argv);
int run_run_script(int argc, char** argv);
int run_serve(int argc, char** argv);
int run_features(int argc, char** argv);

}  // namespace parallax
