from stomkpi.cli import main

main()
