from nazorg.cli import main

main()
