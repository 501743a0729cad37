from dawna.cli import main

main()
