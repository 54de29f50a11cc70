from parallax_scripthost.cli import main

main()
