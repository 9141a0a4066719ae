@echo off
rem buurtsim starten op Windows, zonder git en zonder terminal: dubbelklik dit bestand.
rem De eerste keer (met internet) installeert het uv, als dat er nog niet is; uv haalt daarna
rem de juiste Python en de onderdelen van buurtsim op. Daarna werkt alles zonder internet.
rem Uitleg: docs/teaching/windows.md (op de site: Lesmodule, Installeren op Windows).
setlocal
cd /d "%~dp0"

set "UV=uv"
where uv >nul 2>nul
if not errorlevel 1 goto start
set "UV=%USERPROFILE%\.local\bin\uv.exe"
if exist "%UV%" goto start

echo uv ontbreekt nog en wordt nu eenmalig geinstalleerd (internet nodig) ...
powershell -NoProfile -ExecutionPolicy ByPass -Command "irm https://astral.sh/uv/install.ps1 | iex"
if exist "%UV%" goto start
echo.
echo uv kon niet worden geinstalleerd. Vraag de docent om hulp.
pause
exit /b 1

:start
echo buurtsim start. De eerste keer duurt dat enkele minuten.
echo Staat hieronder "buurtsim app: ready, open http://127.0.0.1:8765", open dan dat adres
echo in de browser. Stoppen: sluit dit venster.
echo.
"%UV%" run --locked --no-dev --extra app buurtsim app
echo.
echo buurtsim is gestopt.
pause
