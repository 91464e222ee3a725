from vertice_lint.cli import main

main()
